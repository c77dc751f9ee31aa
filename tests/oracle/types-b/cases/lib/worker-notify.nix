{ ... }:
{
  systemd.services.worker.serviceConfig.Type = "notify";
}
