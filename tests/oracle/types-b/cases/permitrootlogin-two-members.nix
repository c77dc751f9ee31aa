{ ... }:
{
  imports = [ ./lib/sshd-root-no.nix ];
  services.openssh.permitRootLogin = "prohibit-password";
}
