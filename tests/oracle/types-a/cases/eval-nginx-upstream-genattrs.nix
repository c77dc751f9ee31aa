{ lib, ... }:
let ports = [ 8080 8081 8082 ]; in {
  services.nginx.enable = true;
  services.nginx.upstreams.app = {
    servers = lib.genAttrs (map (p: "127.0.0.1:${toString p}") ports) (addr: { backup = addr == "127.0.0.1:8082"; });
    extraConfig = "keepalive ${toString (2 * lib.length ports)};";
  };
}
