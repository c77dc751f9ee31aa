{ lib, ... }:
let tls = true; in {
  services.app.url = "http${lib.optionalString tls "s"}://example.org";
}
