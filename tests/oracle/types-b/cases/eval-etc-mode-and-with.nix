{ ... }:
{
  environment.etc."backup/exclude" = with builtins; {
    text = concatStringsSep "\n" [ "/proc" "/sys" "/nix/store" ] + "\n";
    mode = "0440";
  };
}
