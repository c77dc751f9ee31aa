{ lib, ... }:
let
  resolvers = { quad9 = "9.9.9.9"; cloudflare = "1.1.1.1"; quad1 = "1.0.0.1"; };
in
{
  networking.nameservers = lib.attrValues (lib.filterAttrs (n: _: lib.hasPrefix "quad" n) resolvers);
}
