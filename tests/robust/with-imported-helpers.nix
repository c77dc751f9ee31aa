# Regression: names brought in by `with import ./file { … };` are looked
# up, and the file imported, only when a definition using them is forced.
{ config, lib, pkgs, ... }:
with import ./parts/helpers.nix { inherit config lib pkgs; };
{
  services.nginx.virtualHosts.site.serverName = domainOf "www";
  networking.firewall.allowedTCPPorts = [ httpsPort ];
}
