{ lib, ... }:
with lib;
let instances = [ "a" "b" ]; in {
  services.app.instances = genAttrs instances (n: { port = 8000 + (if n == "a" then 1 else 2); });
  services.app.list = concatMapStringsSep "," (n: n) instances;
  networking.firewall.allowedTCPPorts = optional true 8001;
}
