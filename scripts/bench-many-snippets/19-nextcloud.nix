# Nextcloud on PHP-FPM behind nginx, with PostgreSQL.
{ ... }:
{
  services.nextcloud = {
    enable = true;
    hostName = "cloud.example.org";
    config = {
      dbtype = "pgsql";
      dbhost = "/run/postgresql";
      adminpassFile = "/run/credentials/nextcloud-admin";
    };
  };
  services.postgresql = {
    enable = true;
    ensureDatabases = [ "nextcloud" ];
    ensureUsers = [
      { name = "nextcloud"; ensurePermissions."DATABASE nextcloud" = "ALL PRIVILEGES"; }
    ];
  };
  networking.firewall.allowedTCPPorts = [ 80 ];
}
