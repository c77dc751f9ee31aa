{ ... }:
{
  security.audit.rules = [ "-a exit,always -F arch=b64 -S execve" ];
}
