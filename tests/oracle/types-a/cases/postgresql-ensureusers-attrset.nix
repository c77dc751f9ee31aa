{ pkgs, ... }: {
  services.postgresql = {
    enable = true;
    package = pkgs.postgresql_11;
    ensureUsers = { gitea = { ensurePermissions."DATABASE gitea" = "ALL PRIVILEGES"; }; };
  };
}
