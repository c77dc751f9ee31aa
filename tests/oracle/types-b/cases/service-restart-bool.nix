{ ... }:
{
  systemd.services.worker = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart = "/run/current-system/sw/bin/sleep infinity";
      Restart = true;
    };
  };
}
