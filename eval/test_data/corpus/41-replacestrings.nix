{ lib, ... }:
let name = "my.service.name"; in {
  services.app.unitName = builtins.replaceStrings [ "." ] [ "-" ] name;
}
