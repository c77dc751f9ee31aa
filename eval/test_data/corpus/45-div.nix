{ lib, ... }:
let mem = 4096; in {
  services.app.cacheSize = builtins.div mem 4;
  services.app.workers = builtins.div 7 2;
}
