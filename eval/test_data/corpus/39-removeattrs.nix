{ lib, ... }:
let base = { port = 80; secret = "x"; user = "app"; }; in {
  services.app.settings = builtins.removeAttrs base [ "secret" ];
}
