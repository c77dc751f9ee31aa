{ lib, ... }:
let v = "23.11"; in {
  services.app = lib.mkIf (lib.versionAtLeast v "22.11") { modern = true; };
}
