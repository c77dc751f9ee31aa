{ lib, ... }:
let tls = true; in {
  networking.firewall.allowedTCPPorts = [ 80 ] ++ lib.optional tls 443;
}
