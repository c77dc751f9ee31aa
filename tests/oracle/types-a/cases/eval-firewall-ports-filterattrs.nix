{ lib, ... }:
let
  svcs = {
    grafana = { port = 3000; public = true; udp = false; };
    prometheus = { port = 9090; public = false; udp = false; };
    wireguard = { port = 51820; public = true; udp = true; };
  };
  public = lib.filterAttrs (_: s: s.public) svcs;
in {
  networking.firewall.allowedTCPPorts = map (s: s.port) (builtins.filter (s: !s.udp) (lib.attrValues public));
  networking.firewall.allowedUDPPorts = map (s: s.port) (builtins.filter (s: s.udp) (lib.attrValues public));
}
