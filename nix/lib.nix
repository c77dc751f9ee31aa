# Pure functions of nixunits, written with builtins only so that bare Nix
# evaluates them (no nixpkgs): the container build (default.nix), the host
# module (module.nix) and the tests all use these, so the text the runtime
# reads is made in one place.
let
  inherit (builtins) concatStringsSep filter map elem attrNames genList length elemAt stringLength substring hashString;

  optional = cond: x: if cond then [ x ] else [ ];

  # Capabilities systemd-nspawn grants by default that a service container
  # does not need; dropped unless listed in capsAllow. (Kept: what systemd
  # inside and ordinary daemons use — chown, setuid/gid, kill, bind to
  # low ports, net_raw for ping, sys_admin inside the user namespace for
  # the service sandboxing systemd sets up.)
  droppedByDefault = [
    "CAP_AUDIT_CONTROL"
    "CAP_LINUX_IMMUTABLE"
    "CAP_MKNOD"
    "CAP_NET_BROADCAST"
    "CAP_SYS_BOOT"
    "CAP_SYS_PTRACE"
    "CAP_SYS_TTY_CONFIG"
  ];

  # System calls no service needs, denied to the whole container (each
  # group its own option: NSPAWN_ARGS is split at white space).
  deniedSyscallGroups = [ "@clock" "@cpu-emulation" "@debug" "@module" "@obsolete" "@raw-io" "@swap" ];

  nonNull = v: v != null;
in
rec {
  inherit droppedByDefault deniedSyscallGroups;

  # The network mode of a unit description's `network`.
  networkMode = network:
    if (network.interfaces or [ ]) != [ ] then "interfaces"
    else if (network.interface or null) != null then "interface"
    else if (network.ip6 or null) != null || (network.ip4 or null) != null then "veth"
    else "private";

  # The host side of the k-th extra veth (k >= 1): vx<k>-<id> when it fits
  # the kernel's 15 bytes, else its first 8 and 7 hex digits of the id's
  # SHA-256 (store/src/unit/network/naming.rs: extra_veth_name).
  extraVethName = id: k:
    let name = "vx${toString k}-${id}"; in
    if stringLength name <= 15 then name
    else substring 0 8 name + substring 0 7 (hashString "sha256" id);

  # The systemd-nspawn argument of each entry of network.interfaces: the
  # first veth is host0 (--network-veth, or --network-bridge), the others
  # --network-veth-extra=HOST:INSIDE.
  interfaceArgs = id: ifs:
    let
      typeOf = i: i.type or "veth";
      given = i: k: if (i.${k} or null) != null then i.${k} else null;
      argOf = n: i:
        let
          k = length (filter (j: typeOf j == "veth") (genList (elemAt ifs) n));
          t = typeOf i;
        in
        if t == "veth" then
          (if k == 0 then
            (if given i "bridge" != null then "--network-bridge=${i.bridge}" else "--network-veth")
          else
            "--network-veth-extra=${extraVethName id k}:${if given i "name" != null then i.name else "eth${toString k}"}")
        else if t == "macvlan" then "--network-macvlan=${i.parent}"
        else if t == "ipvlan" then "--network-ipvlan=${i.parent}"
        else "--network-interface=${i.interface}";
    in
    genList (n: argOf n (elemAt ifs n)) (length ifs);

  # systemd-nspawn arguments for a unit description (parsed unit.json):
  # network mode, capabilities, binds. Options the template unit always
  # passes (--keep-unit, --private-users=pick, --bind-ro=/nix/store, …)
  # are not repeated here.
  nspawnArgs = id: unit:
    let
      network = unit.network or { };
      mode = networkMode network;
      caps = unit.capsAllow or [ ];
      dropped = filter (c: !(elem c caps)) droppedByDefault;
    in
    (if mode == "interfaces" then interfaceArgs id network.interfaces
     else if mode == "interface" then [ "--network-interface=${network.interface}" ]
     else if mode == "veth" then [ "--network-veth" ]
     else [ "--private-network" ])
    ++ [ "--no-new-privileges=yes" ]
    ++ map (g: "--system-call-filter=~${g}") deniedSyscallGroups
    ++ optional (dropped != [ ]) "--drop-capability=${concatStringsSep "," dropped}"
    ++ optional (caps != [ ]) "--capability=${concatStringsSep "," caps}"
    ++ map (b: "--bind=${b}") (unit.bind or [ ])
    # Secrets as systemd credentials: the file's path, never the secret.
    ++ map (name: "--load-credential=${name}:${unit.credentials.${name}}")
      (attrNames (unit.credentials or { }));

  # KEY=value lines of the environment file the template unit reads
  # (DESIGN §4). Values with spaces are double-quoted, as systemd's
  # EnvironmentFile= expects.
  confText = { id, systemPath, unit }:
    let
      network = unit.network or { };
      quote = v: if builtins.match ".*[ \"\\\\].*" v != null
        then "\"${builtins.replaceStrings [ "\\" "\"" ] [ "\\\\" "\\\"" ] v}\""
        else v;
      vars = {
        SYSTEM_PATH = systemPath;
        NSPAWN_ARGS = concatStringsSep " " (nspawnArgs id unit);
        NETWORK_MODE = networkMode network;
        HOST_IP6 = network.host_ip6 or null;
        IP6 = network.ip6 or null;
        HOST_IP4 = network.host_ip4 or null;
        IP4 = network.ip4 or null;
        INTERFACE = network.interface or null;
        IP6_ROUTE = network.ip6route or null;
        IP4_ROUTE = network.ip4route or null;
      };
      names = filter (n: nonNull vars.${n}) (attrNames vars);
    in
    concatStringsSep "" (map (n: "${n}=${quote vars.${n}}\n") names);
}
