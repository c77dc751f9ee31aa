# PostgreSQL, as in the first nixunits deployments:
#   nixunits build pg -cf examples/postgresql.nix -6 -r
{ pkgs, ... }:
{
  services.postgresql = {
    enable = true;
    package = pkgs.postgresql_15;
    enableTCPIP = true;
    authentication = ''
      # TYPE  DATABASE  USER  ADDRESS        METHOD
      host    all       all   fc00::/64      scram-sha-256
    '';
    settings = {
      max_connections = 200;
      shared_buffers = "256MB";
      log_min_duration_statement = 500;
    };
  };
  networking.firewall.allowedTCPPorts = [ 5432 ];
}
