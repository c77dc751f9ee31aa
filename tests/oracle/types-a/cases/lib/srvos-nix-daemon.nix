{ lib, ... }: {
  systemd.services.nix-daemon.serviceConfig = {
    OOMScoreAdjust = lib.mkDefault 250;
    MemoryHigh = lib.mkDefault "80%";
  };
}
