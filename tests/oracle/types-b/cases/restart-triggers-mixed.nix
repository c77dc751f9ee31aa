{ ... }:
{
  systemd.services.app.restartTriggers = [
    ./lib/motd.txt
    "v2"
    { config = "app.yaml"; }
  ];
}
