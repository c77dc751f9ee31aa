{ ... }: {
  networking.hosts."10.0.0.5" = [ "postgres.lan" ];
}
