{ lib, ... }:
let web = [ 443 80 ]; git = [ 22 443 ]; in {
  networking.firewall.allowedTCPPorts = lib.unique (builtins.sort builtins.lessThan (lib.concatLists [ web git [ 80 ] ]));
}
