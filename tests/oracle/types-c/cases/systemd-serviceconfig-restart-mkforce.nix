{ lib, ... }: { systemd.services.mpd-watch.serviceConfig = lib.mkMerge [ { Restart = "always"; } { Restart = lib.mkForce "on-failure"; } ]; }
