{ lib, ... }: { systemd.services.mpd-watch.serviceConfig = lib.mkMerge [ { Restart = "always"; } { Restart = "on-failure"; } ]; }
