{ lib, ... }:
let file = "app.yaml"; in {
  services.app.format = if lib.hasSuffix ".yaml" file then "yaml" else "json";
}
