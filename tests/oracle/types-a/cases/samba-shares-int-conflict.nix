{ ... }: {
  imports = [ ./lib/samba-media-limits.nix ];
  services.samba = {
    enable = true;
    shares.media = { path = "/srv/media"; "max connections" = 10; };
  };
}
