{ ... }:
{
  security.dhparams = {
    enable = true;
    params.nginx = 3072;
  };
}
