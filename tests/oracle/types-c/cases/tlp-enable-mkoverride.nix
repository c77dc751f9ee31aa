{ lib, ... }: { services.tlp.enable = lib.mkMerge [ (lib.mkOverride 500 false) true ]; }
