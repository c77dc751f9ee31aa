{ lib, ... }:
let release = "23.11"; in {
  services.app.newApi = lib.versionAtLeast release "23.05";
  services.app.legacy = lib.versionOlder release "21.05";
}
