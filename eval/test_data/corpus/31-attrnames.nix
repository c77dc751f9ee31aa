{ lib, ... }:
let vhosts = { "a.org" = 1; "b.org" = 2; }; in {
  services.app.domains = builtins.attrNames vhosts;
}
