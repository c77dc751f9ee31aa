{ ... }: {
  imports = [ ./lib/hosts-db-alias.nix ];
  networking.hosts."10.0.0.5" = [ "db.lan" ];
}
