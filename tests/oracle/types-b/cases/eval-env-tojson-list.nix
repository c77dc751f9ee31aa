{ ... }:
{
  systemd.services.web.environment.HOSTS = builtins.toJSON [ "a.example.org" "b.example.org" ];
}
