{ lib, ... }:
let url = "https://example.org"; in {
  services.app.tls = lib.hasPrefix "https://" url;
  services.app.url = url;
}
