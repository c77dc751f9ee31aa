{ ... }:
{
  security.dhparams.params.dovecot2 = "4096";
}
