{ lib, ... }:
let jobs = { home = "/home"; srv = "/srv"; }; in {
  systemd.services = lib.mapAttrs' (name: path: lib.nameValuePair "backup-${name}" {
    description = "Back up ${path}";
    environment.TARGET = "/mnt/backup/${name}";
    script = "true";
  }) jobs;
}
