{ lib, ... }: {
  imports = [ ./lib/srvos-nix-daemon.nix ];
  systemd.services.nix-daemon.serviceConfig.OOMScoreAdjust = 500;
}
