{ ... }: {
  services.borgbackup.jobs.home.paths = [ "/var/lib/nextcloud" "/etc/nixos" ];
}
