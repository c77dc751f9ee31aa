{ lib, pkgs, ... }: {
  imports = [ ./lib/pg-hba-local.nix ];
  services.postgresql = {
    enable = true;
    package = pkgs.postgresql_11;
    authentication = lib.mkAfter ''
      host all all 10.0.0.0/24 md5
    '';
  };
}
