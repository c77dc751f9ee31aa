{ lib, ... }:
let all = { web = { enable = true; port = 80; }; old = { enable = false; port = 81; }; }; in {
  services.app.instances = lib.filterAttrs (n: v: v.enable) all;
}
