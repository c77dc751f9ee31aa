{ ... }: {
  services.nextcloud = { enable = true; hostName = "cloud.example.org"; logLevel = 5; config.adminpassFile = "/run/keys/nc-admin"; };
}
