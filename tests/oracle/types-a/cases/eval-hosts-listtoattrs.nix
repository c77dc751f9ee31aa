{ lib, ... }:
let machines = [ { ip = "10.0.0.5"; name = "db"; } { ip = "10.0.0.6"; name = "cache"; } ]; in {
  networking.hosts = lib.listToAttrs (map (m: lib.nameValuePair m.ip [ "${m.name}.lan" m.name ]) machines);
}
