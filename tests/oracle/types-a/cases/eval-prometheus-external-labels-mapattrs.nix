{ lib, ... }:
let
  site = "fra1";
  labels = { inherit site; env = "prod"; };
in {
  services.prometheus = {
    enable = true;
    globalConfig = {
      scrape_interval = "${toString 30}s";
      external_labels = lib.mapAttrs (_: lib.toUpper) labels;
    };
  };
}
