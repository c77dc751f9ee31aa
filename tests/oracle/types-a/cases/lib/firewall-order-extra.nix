{ lib, ... }: {
  networking.firewall.allowedTCPPorts = lib.mkBefore [ 443 ];
}
