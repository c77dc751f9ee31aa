{ ... }:
{
  systemd.services.app.environment.TZ = "Europe/Zurich";
}
