{ lib, ... }: {
  imports = [ ./lib/hw-thermald-default.nix ];
  services.thermald.enable = false;
}
