# MariaDB with one application database and user.
{ pkgs, lib, ... }:
{
  services.mysql = {
    enable = true;
    package = pkgs.mariadb;
    settings.mysqld = {
      bind-address = "::";
      innodb_buffer_pool_size = "512M";
      max_connections = 300;
    };
    ensureDatabases = [ "app" ];
    ensureUsers = [
      {
        name = "app";
        ensurePermissions."app.*" = "ALL PRIVILEGES";
      }
    ];
  };
  services.mysqlBackup = lib.mkIf true {
    enable = true;
    databases = [ "app" ];
  };
  networking.firewall.allowedTCPPorts = [ 3306 ];
}
