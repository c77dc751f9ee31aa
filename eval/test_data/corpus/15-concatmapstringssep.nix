{ lib, ... }:
let peers = [ "a" "b" "c" ]; in {
  services.app.peers = lib.concatMapStringsSep "," (p: "${p}.internal") peers;
}
