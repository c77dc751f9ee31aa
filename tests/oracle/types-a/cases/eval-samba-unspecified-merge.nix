{ ... }: {
  imports = [ ./lib/samba-media-users.nix ./lib/samba-media-browse.nix ];
  services.samba = {
    enable = true;
    shares.media = { path = "/srv/media"; "valid users" = "alice"; browseable = false; };
  };
}
