{ ... }:
{
  systemd.services.app.restartTriggers = ./lib/motd.txt;
}
