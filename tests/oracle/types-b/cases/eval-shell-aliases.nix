{ ... }:
{
  environment.shellAliases = {
    ll = "ls -lah --group-directories-first";
    gs = "git status";
  };
}
