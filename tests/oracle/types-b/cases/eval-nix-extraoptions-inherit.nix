{ lib, ... }:
let
  inherit (lib) concatStringsSep;
  features = [ "nix-command" "flakes" ];
in
{
  nix.extraOptions = ''
    experimental-features = ${concatStringsSep " " features}
    keep-outputs = true
  '';
  nix.trustedUsers = [ "root" "@wheel" ];
}
