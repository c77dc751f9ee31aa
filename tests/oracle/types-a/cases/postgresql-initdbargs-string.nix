{ pkgs, ... }: {
  services.postgresql = { enable = true; package = pkgs.postgresql_11; initdbArgs = "--data-checksums"; };
}
