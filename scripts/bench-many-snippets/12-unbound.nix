# A recursive DNS resolver for the container network.
{ ... }:
{
  services.unbound = {
    enable = true;
    interfaces = [ "::" ];
    allowedAccess = [ "fc00::/64" "127.0.0.0/8" ];
    extraConfig = ''
      prefetch: yes
    '';
  };
  networking.firewall.allowedUDPPorts = [ 53 ];
}
