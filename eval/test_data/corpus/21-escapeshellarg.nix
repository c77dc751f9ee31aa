{ lib, ... }:
{
  systemd.services.app.script = "exec app --name ${lib.escapeShellArg "my app's name"}";
}
