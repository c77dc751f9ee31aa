{ ... }:
{
  security.dhparams.params.nginx.bits = 8;
}
