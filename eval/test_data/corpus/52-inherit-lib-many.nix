{ lib, ... }:
let
  inherit (lib) mkDefault mkIf optionals concatStringsSep;
  cfg = { enable = true; extra = [ "x" ]; };
in {
  services.app = mkIf cfg.enable {
    enable = mkDefault true;
    args = optionals cfg.enable cfg.extra;
    joined = concatStringsSep "," cfg.extra;
  };
}
