# An authoritative name server for one zone.
{ pkgs, ... }:
{
  services.bind = {
    enable = true;
    cacheNetworks = [ "127.0.0.0/8" ];
    zones = [
      {
        name = "example.org";
        master = true;
        file = pkgs.writeText "example.org.zone" ''
          $TTL 3600
          @ IN SOA ns1.example.org. admin.example.org. (1 7200 3600 1209600 3600)
          @ IN NS ns1.example.org.
          ns1 IN AAAA fc00::d:2
        '';
      }
    ];
  };
  networking.firewall.allowedUDPPorts = [ 53 ];
}
