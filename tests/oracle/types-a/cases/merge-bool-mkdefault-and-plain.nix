{ ... }: {
  imports = [ ./lib/ssh-hardening-default.nix ];
  services.openssh = { enable = true; passwordAuthentication = true; };
}
