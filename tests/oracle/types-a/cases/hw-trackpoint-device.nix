{ lib, ... }: {
  hardware.trackpoint = { enable = true; device = lib.mkDefault "TPPS/2 Elan TrackPoint"; };
}
