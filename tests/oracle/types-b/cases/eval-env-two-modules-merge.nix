{ ... }:
{
  imports = [ ./lib/app-env-tz.nix ];
  systemd.services.app.environment.LANG = "C.UTF-8";
}
