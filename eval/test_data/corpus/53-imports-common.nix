{ lib, ... }:
{
  imports = [ ./common/base.nix ./common/ports.nix ];
  services.app.enable = true;
}
