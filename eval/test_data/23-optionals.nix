# nix-compare
{ lib, ... }: { networking.firewall.allowedTCPPorts = [ 22 ] ++ lib.optionals true [ 80 ] ++ lib.optionals false [ 443 ]; }
