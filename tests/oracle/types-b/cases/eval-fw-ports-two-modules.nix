{ ... }:
{
  imports = [ ./lib/fw-dns.nix ];
  networking.firewall.allowedTCPPorts = [ 80 443 ];
}
