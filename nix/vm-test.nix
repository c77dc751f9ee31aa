# The flake's VM test: a NixOS host with one declarative and one imperative
# container, each reachable over its veth. The only place the parts that
# need nixpkgs (the module system, eval-config.nix, the host module) are
# checked end to end.
{ self }:
{ pkgs, ... }:
let
  impSnippet = pkgs.writeText "imp.nix" ''
    { pkgs, ... }: {
      services.nginx.enable = true;
      networking.firewall.allowedTCPPorts = [ 80 ];
    }
  '';
in
{
  name = "nixunits";
  nodes.host = { pkgs, ... }: {
    imports = [ self.nixosModules.default ];
    virtualisation.memorySize = 2048;
    nix.nixPath = [ "nixpkgs=${pkgs.path}" ];
    nix.settings.substituters = pkgs.lib.mkForce [ ];
    nixunits.decl = {
      autoStart = true;
      config = { services.nginx.enable = true; networking.firewall.allowedTCPPorts = [ 80 ]; };
      network = { host_ip6 = "fc00::1:1/112"; ip6 = "fc00::1:2/112"; };
    };
    # The imperative build's result, already in the VM's store (the VM has
    # no network): the same snippet file and the same canonical unit JSON
    # (`nixunits ip6 imp` gives the -6 addresses) make the same derivation.
    system.extraDependencies = [
      (import ./default.nix {
        id = "imp";
        configFile = "${impSnippet}";
        unitJSON = builtins.toJSON {
          network = { host_ip6 = "fc00::3811:4d6b:1/112"; ip6 = "fc00::3811:4d6b:2/112"; };
          capsAllow = [ ]; bind = [ ]; resources = { }; properties = { };
        };
        nixpkgs = pkgs.path;
      })
    ];
  };
  testScript = ''
    host.wait_for_unit("nixunits@decl.service")
    host.wait_until_succeeds("curl -sf -g 'http://[fc00::1:2]/'")
    host.succeed("nixunits build imp -cf ${impSnippet} -6 -s")
    ip6 = host.succeed("nixunits ip6 imp | sed -n 's/^ip6: //p'").strip()
    host.wait_until_succeeds(f"curl -sf -g 'http://[{ip6}]/'")
    host.succeed("nixunits nsenter decl -- id -u | grep -x 0")
  '';
}
