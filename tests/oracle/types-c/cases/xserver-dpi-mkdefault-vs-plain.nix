{ lib, ... }: { imports = [ ./lib/dpi-96.nix ]; services.xserver.dpi = lib.mkDefault 189; }
