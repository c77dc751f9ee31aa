{ lib, ... }: { hardware.enableRedistributableFirmware = lib.mkMerge [ (lib.mkDefault true) false ]; }
