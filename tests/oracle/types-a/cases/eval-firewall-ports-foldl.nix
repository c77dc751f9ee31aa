{ lib, ... }:
let services = [ { name = "http"; port = 80; } { name = "https"; port = 443; } { name = "gitea"; port = 3000; } ]; in {
  networking.firewall.allowedTCPPorts = lib.foldl' (acc: s: acc ++ [ s.port ]) [ ] services;
}
