{ lib, ... }:
let debug = false; in {
  services.app.extraArgs = [ "--serve" ] ++ lib.optionals debug [ "--verbose" "--trace" ];
}
