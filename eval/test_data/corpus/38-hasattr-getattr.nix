{ lib, ... }:
let ports = { web = 80; }; in {
  services.app.hasWeb = builtins.hasAttr "web" ports;
  services.app.webPort = builtins.getAttr "web" ports;
}
