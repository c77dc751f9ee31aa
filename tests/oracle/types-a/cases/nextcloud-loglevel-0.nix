{ ... }: {
  services.nextcloud = { enable = true; hostName = "cloud.example.org"; logLevel = 0; config.adminpassFile = "/run/keys/nc-admin"; };
}
