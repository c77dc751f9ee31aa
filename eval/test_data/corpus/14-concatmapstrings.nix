{ lib, ... }:
let hosts = [ "10.0.0.1" "10.0.0.2" ]; in {
  services.app.config = lib.concatMapStrings (h: "server ${h};\n") hosts;
}
