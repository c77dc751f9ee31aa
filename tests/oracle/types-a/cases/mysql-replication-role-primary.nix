{ pkgs, ... }: {
  services.mysql = {
    enable = true;
    package = pkgs.mariadb;
    replication = { role = "primary"; serverId = 1; };
  };
}
