# The host module (nixosModules.default): declarative containers,
#
#   nixunits.mysql1 = {
#     autoStart = true;
#     config = { services.mysql.enable = true; services.mysql.package = pkgs.mariadb; };
#     network = { host_ip6 = "fc00::1:1/112"; ip6 = "fc00::1:2/112"; };
#   };
#
# and what imperative ones (`nixunits build`) need: the package, the
# template unit nixunits@.service, the `nixunits` group, and veths left
# alone by NetworkManager and dhcpcd.
{ config, options, lib, pkgs, ... }:
let
  inherit (lib) mkOption types mapAttrs' mapAttrsToList nameValuePair filterAttrs concatLists;
  cfg = config.nixunits;
  settings = config.services.nixunits;
  versions = import ./versions.nix;
  stateDir = settings.stateDir;

  idRule = "an id is 1 to 32 characters of a-z, 0-9 and '-', starts with a letter and does not end with '-'";
  validId = name: builtins.match "[a-z]([a-z0-9-]{0,30}[a-z0-9])?" name != null;

  addr = description: mkOption {
    type = types.nullOr types.str;
    default = null;
    inherit description;
  };

  networkOptions = {
    host_ip6 = addr "Host side of the veth, IPv6 (ADDRESS/PREFIX).";
    ip6 = addr "The container's IPv6 address (ADDRESS/PREFIX).";
    host_ip4 = addr "Host side of the veth, IPv4 (ADDRESS/PREFIX).";
    ip4 = addr "The container's IPv4 address (ADDRESS/PREFIX).";
    interface = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "A host interface moved into the container (instead of a veth).";
    };
    ip6route = addr "IPv6 default route (gateway) inside the container.";
    ip4route = addr "IPv4 default route (gateway) inside the container.";
    interfaces = mkOption {
      type = types.listOf (types.submodule { options = interfaceOptions; });
      default = [ ];
      example = [
        { type = "veth"; bridge = "br0"; ip6 = "fd00:1::2/64"; ip4 = "10.1.0.2/24"; ip4route = "10.1.0.1"; }
        { type = "macvlan"; parent = "eth0"; ip6 = "2001:db8::10/64"; }
      ];
      description = ''
        Several interfaces, instead of the keys of one above: each a veth
        (host0 inside for the first, optionally on a host bridge), a
        macvlan or ipvlan on a host interface, or a moved host interface,
        with its own addresses and default routes.
      '';
    };
    dns = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Name servers of the container's /etc/resolv.conf (default: the host's upstream servers, never a local stub).";
    };
  };

  interfaceOptions = {
    type = mkOption {
      type = types.enum [ "veth" "macvlan" "ipvlan" "moved" ];
      default = "veth";
      description = "veth (--network-veth/--network-bridge/--network-veth-extra), macvlan, ipvlan (on `parent`), moved (`interface`).";
    };
    name = mkOption { type = types.nullOr types.str; default = null; description = "veth (not the first, host0): its name inside."; };
    bridge = mkOption { type = types.nullOr types.str; default = null; description = "veth: the host bridge its host side joins."; };
    parent = mkOption { type = types.nullOr types.str; default = null; description = "macvlan, ipvlan: the host interface it sits on."; };
    mac = mkOption { type = types.nullOr types.str; default = null; description = "macvlan: a fixed MAC address."; };
    interface = mkOption { type = types.nullOr types.str; default = null; description = "moved: the host interface."; };
    host_ip6 = addr "veth without a bridge: the host side, IPv6.";
    ip6 = addr "The IPv6 address inside (ADDRESS/PREFIX).";
    host_ip4 = addr "veth without a bridge: the host side, IPv4.";
    ip4 = addr "The IPv4 address inside (ADDRESS/PREFIX).";
    ip6route = addr "IPv6 default route through this interface (fe80::1%NAME allowed).";
    ip4route = addr "IPv4 default route through this interface.";
  };

  containerOptions = { name, ... }: {
    options = {
      autoStart = mkOption {
        type = types.bool;
        default = false;
        description = "Start the container with machines.target (at boot).";
      };
      config = mkOption {
        type = types.deferredModule;
        default = { };
        description = ''
          The container's NixOS configuration: a module, as a snippet given
          to `nixunits build`. It may take `id`, `network` and `properties`
          besides the usual module arguments.
        '';
      };
      network = mkOption {
        type = types.submodule { options = networkOptions; };
        default = { };
        description = "Network: none (private, loopback only), a veth (ip6/host_ip6, ip4/host_ip4), or a host interface.";
      };
      capsAllow = mkOption {
        type = types.listOf (types.strMatching "CAP_[A-Z0-9_]+");
        default = [ ];
        description = "Capabilities kept that nixunits drops by default (CAP_SYS_PTRACE, …).";
      };
      bind = mkOption {
        type = types.listOf (types.strMatching "/.*");
        default = [ ];
        description = "Bind mounts, in systemd-nspawn's --bind= syntax (SRC[:DEST[:OPTIONS]]).";
      };
      resources = {
        memoryMax = mkOption {
          type = types.nullOr types.str;
          default = null;
          description = "MemoryMax= of the unit (512M, 2G).";
        };
        tasksMax = mkOption {
          type = types.nullOr types.ints.positive;
          default = null;
          description = "TasksMax= of the unit.";
        };
        cpuQuota = mkOption {
          type = types.nullOr (types.strMatching "[0-9]+%");
          default = null;
          description = "CPUQuota= of the unit (50%).";
        };
      };
      ports = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "tcp:8080:80" "udp:[::1]:5353:53" ];
        description = ''
          Ports published on the host, PROTO:[HOST_ADDRESS:]HOST_PORT:PORT:
          nftables rules of the container's own table (created on start,
          removed on stop), loopback addresses through a small proxy.
        '';
      };
      firewall = mkOption {
        type = types.nullOr (types.submodule {
          options.allowIn = mkOption {
            type = types.listOf types.str;
            default = [ ];
            example = [ "tcp:5432" ];
            description = "Inbound traffic allowed (PROTO:PORT or PROTO:FIRST-LAST).";
          };
        });
        default = null;
        description = "Inbound firewall on the host side of the container's veths: closed but for allowIn, published ports and neighbour discovery. null: none.";
      };
      properties = mkOption {
        type = types.attrsOf types.anything;
        default = { };
        description = "Free-form values the snippet receives as its `properties` argument.";
      };
      credentials = mkOption {
        type = types.attrsOf (types.strMatching "/.*");
        default = { };
        example = { pg-pass = "/run/keys/pg-pass"; };
        description = ''
          Secrets as systemd credentials: name → the file on the host that
          holds the secret (root-only; never a store path, which every user
          can read). Passed with systemd-nspawn's --load-credential; services
          inside read them with LoadCredential=name from
          $CREDENTIALS_DIRECTORY.
        '';
      };
    };
  };

  nonNull = filterAttrs (_: v: v != null);

  # The unit description (unit.json) of a declared container.
  unitOf = c: {
    network = nonNull (removeAttrs c.network [ "interfaces" "dns" ])
      // lib.optionalAttrs (c.network.interfaces != [ ]) { interfaces = map nonNull c.network.interfaces; }
      // lib.optionalAttrs (c.network.dns != [ ]) { inherit (c.network) dns; };
    capsAllow = c.capsAllow;
    bind = c.bind;
    resources = nonNull c.resources;
    properties = c.properties;
  } // lib.optionalAttrs (c.credentials != { }) {
    inherit (c) credentials;
  } // lib.optionalAttrs (c.ports != [ ]) {
    inherit (c) ports;
  } // lib.optionalAttrs (c.firewall != null) {
    firewall = { inherit (c.firewall) allowIn; };
  };

  # One imported nixpkgs for every declared container that defines no
  # `nixpkgs.*` of its own (share.nix): the host's own `pkgs` when the host
  # defines none either (then it is the one each container would import),
  # else one import of the host's tree for them all — not one per
  # container.
  shareOf = hostPkgs: import ./share.nix {
    nixpkgs = pkgs.path;
    system = pkgs.stdenv.hostPlatform.system;
    pkgs = hostPkgs;
  };
  share =
    let fresh = shareOf null; in
    if fresh.definesPkgs options then fresh else shareOf pkgs;

  # Each container's build, evaluated once (a function called twice would
  # evaluate its NixOS twice: Nix does not memoise calls).
  builds = lib.mapAttrs (name: c: import ./default.nix {
    id = name;
    config = c.config;
    unitJSON = builtins.toJSON (unitOf c);
    nixpkgs = pkgs.path;
    system = pkgs.stdenv.hostPlatform.system;
    inherit share;
  }) cfg;

  assertionsOf = name: c:
    let n = c.network; in [
      { assertion = validId name; message = "nixunits.${name}: ${idRule}"; }
      {
        assertion = n.interface == null || (n.host_ip6 == null && n.host_ip4 == null);
        message = "nixunits.${name}.network: a moved interface has no host side: drop host_ip6/host_ip4";
      }
      {
        assertion = n.interface != null || n.interfaces != [ ] || ((n.ip6 == null) == (n.host_ip6 == null) && (n.ip4 == null) == (n.host_ip4 == null));
        message = "nixunits.${name}.network: a veth needs both sides: ip6 with host_ip6, ip4 with host_ip4";
      }
      { assertion = n.ip6route == null || n.ip6 != null; message = "nixunits.${name}.network.ip6route needs ip6"; }
      {
        assertion = lib.all (p: !(lib.hasPrefix builtins.storeDir p)) (lib.attrValues c.credentials);
        message = "nixunits.${name}.credentials: a secret in ${builtins.storeDir} is readable by every user of the host";
      }
      { assertion = n.ip4route == null || n.ip4 != null; message = "nixunits.${name}.network.ip4route needs ip4"; }
    ];
in
# Older nixpkgs: a message naming what is missing, not an unknown option.
versions.check "the host module" versions.hostModule lib.trivial.release {
  options.nixunits = mkOption {
    type = types.attrsOf (types.submodule containerOptions);
    default = { };
    description = "Containers declared in the host's configuration, nixunits@<name>.service each.";
  };

  options.services.nixunits = {
    package = mkOption {
      type = types.package;
      default = pkgs.nixunits;
      defaultText = lib.literalExpression "pkgs.nixunits";
      description = "The nixunits package.";
    };
    stateDir = mkOption {
      type = types.path;
      default = "/var/lib/nixunits";
      description = "Where containers, the build cache and the locks live.";
    };
  };

  config = {
    assertions = concatLists (mapAttrsToList assertionsOf cfg);

    environment.systemPackages = [ settings.package ];
    users.groups.nixunits = { };

    # The template unit, filled with this host's paths.
    systemd.units."nixunits@.service".text =
      builtins.replaceStrings
        [ "@nixunits@" "@systemdNspawn@" "@stateDir@" ]
        [ "${settings.package}/bin/nixunits" "${config.systemd.package}/bin/systemd-nspawn" (toString stateDir) ]
        (builtins.readFile (./. + "/nixunits@.service"));
    systemd.targets.machines.wantedBy = [ "multi-user.target" ];

    # Declared containers: their conf and unit description in /etc, linked
    # from the state directory where the template unit and nixunits look.
    environment.etc = lib.mkMerge (mapAttrsToList (name: c: {
      "nixunits/${name}.conf".source = "${builds.${name}}/etc/nixunits/${name}.conf";
      "nixunits/${name}.json".text = builtins.toJSON (unitOf c);
    }) cfg);
    systemd.tmpfiles.rules = [ "d ${toString stateDir}/containers 0750 root nixunits -" ]
      ++ concatLists (mapAttrsToList (name: _: [
        "d ${toString stateDir}/containers/${name} 0750 root nixunits -"
        "L+ ${toString stateDir}/containers/${name}/unit.conf - - - - /etc/nixunits/${name}.conf"
        "L+ ${toString stateDir}/containers/${name}/unit.json - - - - /etc/nixunits/${name}.json"
      ]) cfg);
    systemd.services = mapAttrs' (name: c: nameValuePair "nixunits@${name}" {
      overrideStrategy = "asDropin";
      wantedBy = lib.optional c.autoStart "machines.target";
      restartTriggers = [ builds.${name} ];
      serviceConfig = nonNull {
        MemoryMax = c.resources.memoryMax;
        TasksMax = c.resources.tasksMax;
        CPUQuota = c.resources.cpuQuota;
      };
    }) cfg;

    # The host side of every veth is nixunits' to configure.
    networking.networkmanager.unmanaged = [ "interface-name:ve-*" "interface-name:vb-*" "interface-name:vx*" ];
    networking.dhcpcd.denyInterfaces = [ "ve-*" "vb-*" "vx*" ];
  };
}
