{ lib, ... }: {
  systemd.services.web.serviceConfig = lib.mkMerge [ { Type = "simple"; } { Restart = "sometimes"; } ];
}
