{ lib, ... }: {
  imports = [ ./lib/ssh-hardening-default.nix ];
  services.openssh = { enable = true; passwordAuthentication = lib.mkDefault true; };
}
