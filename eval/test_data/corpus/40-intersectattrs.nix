{ lib, ... }:
let
  wanted = { port = null; user = null; };
  given = { port = 8080; user = "app"; debug = true; };
in {
  services.app.settings = builtins.intersectAttrs wanted given;
}
