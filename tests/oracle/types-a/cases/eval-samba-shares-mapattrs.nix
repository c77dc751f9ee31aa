{ lib, ... }:
let dirs = { media = "/srv/media"; backup = "/srv/backup"; }; in {
  services.samba.enable = true;
  services.samba.shares = lib.mapAttrs (name: path: {
    inherit path;
    comment = "Share ${name}";
    "read only" = name == "backup";
    browseable = "yes";
  }) dirs;
}
