{ lib, ... }:
let
  monitoring = true;
  debug = false;
in
{
  networking.firewall.allowedTCPPorts =
    [ 80 443 ]
    ++ lib.optional monitoring 9100
    ++ lib.optionals debug [ 6060 6061 ];
}
