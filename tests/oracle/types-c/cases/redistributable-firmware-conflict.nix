{ lib, ... }: { hardware.enableRedistributableFirmware = lib.mkMerge [ true false ]; }
