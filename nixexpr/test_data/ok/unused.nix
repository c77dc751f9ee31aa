# The warnings of things bound and never used; `# nixunits: allow(…)`.
{ config, lib, pkgs, ... }:
let
  port = 8080;
  unused = "never read";
  # nixunits: allow(unused_binding)
  kept = "silenced on the line above";
  alsoKept = 1; # nixunits: allow(unused_binding)
  helper = name: value: "${name}";
in
with lib; with pkgs; {
  services.nginx.enable = mkDefault true;
  services.nginx.package = nginx;
  services.nginx.virtualHosts.x.listen = [ { port = port; addr = helper "a" 1; } ];
  environment.etc = rec { a.text = "x"; };
  environment.variables = let in { A = "1"; };
  systemd.services.x.environment = with config; { B = "2"; };
  # `rec` is needed: the `inherit` of the set inside reads its `name`.
  systemd.services.y = rec { name = "y"; serviceConfig = { inherit name; }; };
  # Not needed: the function's own `name` is read, not the set's.
  systemd.services.z = rec { name = "z"; f = name: name; };
}
