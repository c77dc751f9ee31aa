{ pkgs, ... }: {
  imports = [ ./lib/pg-port-5433.nix ];
  services.postgresql = { enable = true; package = pkgs.postgresql_11; port = 5433; };
}
