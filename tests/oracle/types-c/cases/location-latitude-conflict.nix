{ lib, ... }: { location.latitude = lib.mkMerge [ 52.37 48.85 ]; }
