{ lib, ... }:
let backends = { api = 8080; web = 8081; }; in {
  services.nginx.upstreams = lib.mapAttrs' (n: port: lib.nameValuePair "backend-${n}" { servers."127.0.0.1:${toString port}" = { }; }) backends;
}
