{ ... }:
{
  imports = [ ./lib/audit-execve.nix ];
  security.audit.rules = [ "-w /etc/shadow -p wa -k shadow" ];
}
