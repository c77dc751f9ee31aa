{ lib, ... }:
let ifaces = [ "eth0" "eth1" ]; in {
  services.app.rules = builtins.concatMap (i: [ "allow ${i}" "log ${i}" ]) ifaces;
}
