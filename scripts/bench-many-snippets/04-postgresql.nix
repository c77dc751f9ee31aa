# PostgreSQL 12 reachable from the container network, 2020 options.
{ pkgs, ... }:
{
  services.postgresql = {
    enable = true;
    package = pkgs.postgresql_12;
    enableTCPIP = true;
    authentication = ''
      host all all fc00::/64 md5
    '';
    ensureDatabases = [ "app" ];
    ensureUsers = [
      { name = "app"; ensurePermissions."DATABASE app" = "ALL PRIVILEGES"; }
    ];
    extraConfig = ''
      max_connections = 200
      shared_buffers = 256MB
    '';
  };
  networking.firewall.allowedTCPPorts = [ 5432 ];
}
