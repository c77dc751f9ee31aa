{ ... }: {
  imports = [ ./lib/samba-media-users.nix ];
  services.samba = {
    enable = true;
    shares.media = { path = "/srv/media"; "valid users" = "alice"; };
  };
}
