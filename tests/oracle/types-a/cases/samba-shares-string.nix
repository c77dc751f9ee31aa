{ ... }: {
  services.samba = { enable = true; shares.media = "/srv/media"; };
}
