{ pkgs, ... }: {
  services.postgresql = { enable = true; package = pkgs.postgresql_11; port = "5432"; };
}
