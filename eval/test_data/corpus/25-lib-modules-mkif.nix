{ lib, ... }:
let enable = true; in {
  services.nginx = lib.modules.mkIf enable { enable = true; recommendedGzipSettings = true; };
}
