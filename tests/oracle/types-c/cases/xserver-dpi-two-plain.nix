{ lib, ... }: { imports = [ ./lib/dpi-96.nix ]; services.xserver.dpi = 189; }
