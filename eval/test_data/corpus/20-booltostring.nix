{ lib, ... }:
let tls = false; in {
  services.app.environment.TLS = lib.boolToString tls;
}
