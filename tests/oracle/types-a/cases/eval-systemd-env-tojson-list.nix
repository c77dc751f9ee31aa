{ ... }: {
  systemd.services.web.environment.ALLOWED_HOSTS = builtins.toJSON [ "example.org" "www.example.org" ];
}
