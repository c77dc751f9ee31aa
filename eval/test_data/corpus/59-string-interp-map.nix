{ lib, ... }:
let ports = [ 80 443 ]; in {
  services.app.listen = map (p: "0.0.0.0:${toString p}") ports;
}
