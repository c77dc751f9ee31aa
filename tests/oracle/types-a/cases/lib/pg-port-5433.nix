{ ... }: {
  services.postgresql.port = 5433;
}
