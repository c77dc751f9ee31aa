# nix/module.nix (the host module) under the real module system of a
# nixpkgs lib (nix-community/nixpkgs.lib has the current one), for when no
# whole nixpkgs of 23.05 or newer is at hand: the NixOS options the module
# sets are declared here, free-form, and `pkgs` is the tests' fake tree, so
# each declared container is built by the shipped nix/default.nix.
# Used by `scripts/check-nixpkgs --lib LIB`.
{ lib, repo, fake }:
let
  pkgs = (import fake { }) // { inherit lib; };
  anything = lib.mkOption { type = lib.types.anything; default = null; };
  stubs = { lib, ... }: {
    options = {
      assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
      environment.systemPackages = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
      environment.etc = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; }); default = { }; };
      users.groups = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; };
      systemd.package = lib.mkOption { type = lib.types.unspecified; default = pkgs.systemd; };
      systemd.units = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; }); default = { }; };
      systemd.targets = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; }); default = { }; };
      systemd.services = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; }); default = { }; };
      systemd.tmpfiles.rules = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      networking.networkmanager.unmanaged = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      networking.dhcpcd.denyInterfaces = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    };
  };
  eval = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      stubs
      (repo + "/nix/module.nix")
      # A second definition of a container's config: deferredModule merges.
      { nixunits.web.config = { lib, ... }: { services.nginx.recommendedGzipSettings = lib.mkDefault true; }; }
      {
        services.nixunits.package = pkgs.hello;
        nixunits.web = {
          autoStart = true;
          config = { services.nginx.enable = true; };
          network = { host_ip6 = "fc00::2:1/112"; ip6 = "fc00::2:2/112"; };
          capsAllow = [ "CAP_SYS_PTRACE" ];
          credentials.tls-key = "/run/keys/web-tls.key";
        };
        # Several interfaces, published ports, a firewall, name servers.
        nixunits.multi = {
          config = { services.nginx.enable = true; };
          network.interfaces = [
            { type = "veth"; bridge = "br0"; ip6 = "fd00:1::2/64"; ip4 = "10.1.0.2/24"; ip4route = "10.1.0.1"; }
            { type = "macvlan"; parent = "eth0"; ip6 = "2001:db8::10/64"; }
          ];
          network.dns = [ "2001:db8::53" ];
          ports = [ "tcp:8080:80" "tcp:[::1]:8081:80" ];
          firewall.allowIn = [ "tcp:443" ];
        };
        nixunits.eth = {
          config = { services.redis.servers.a.enable = true; };
          network = { interface = "eth1"; ip6 = "fd00::2/64"; };
          resources.memoryMax = "512M";
        };
      }
    ];
  };
  c = eval.config;
  webConfPath = c.environment.etc."nixunits/web.conf".source;
in {
  failed = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
  webConf = c.environment.etc."nixunits/web.conf".source;
  webJson = c.environment.etc."nixunits/web.json".text;
  tmpfiles = c.systemd.tmpfiles.rules;
  webService = { inherit (c.systemd.services."nixunits@web") overrideStrategy wantedBy; };
  ethService = { inherit (c.systemd.services."nixunits@eth") overrideStrategy wantedBy serviceConfig; };
  webConfText = builtins.readFile webConfPath;
  multiJson = c.environment.etc."nixunits/multi.json".text;
  multiConfText = builtins.readFile c.environment.etc."nixunits/multi.conf".source;
  templateHasPaths = builtins.match ".*@(nixunits|stateDir|systemdNspawn)@.*" c.systemd.units."nixunits@.service".text == null;
  # The declared container's system, evaluated with the containers' shared
  # pkgs (share.nix), is the one nix/default.nix gives it alone.
  webSameAsAlone =
    let alone = import (repo + "/nix/default.nix") {
      id = "web"; config = c.nixunits.web.config; unitJSON = c.environment.etc."nixunits/web.json".text; nixpkgs = fake;
    };
    in builtins.unsafeDiscardStringContext webConfPath == "${alone}/etc/nixunits/web.conf";
  # Built (import from derivation): the conf, and the system's merged
  # configuration, with both definitions of nixunits.web.config.
  webNginx = (builtins.fromJSON (builtins.unsafeDiscardStringContext (builtins.readFile (builtins.head (builtins.match ".*SYSTEM_PATH=([^\n]*)\n.*"
    (builtins.readFile webConfPath)) + "/config.json")))).services.nginx;
}
