# MariaDB with an application database and its user.
{ pkgs, ... }:
{
  services.mysql = {
    enable = true;
    package = pkgs.mariadb;
    ensureDatabases = [ "shop" ];
    ensureUsers = [
      { name = "shop"; ensurePermissions."shop.*" = "ALL PRIVILEGES"; }
    ];
  };
  networking.firewall.allowedTCPPorts = [ 3306 ];
}
