# The base of every nixunits container: a NixOS system that runs one
# service in a systemd-nspawn container started by nixunits@<id>.service,
# and nothing a service container does not need.
#
# Options newer than the oldest supported nixpkgs (versions.nix) are set
# only where they exist: `lib.optionalAttrs (options… ? x)` inside
# `mkMerge` (at the top of the module it would be infinite recursion).
{ config, lib, pkgs, options, ... }:
let
  base = {
    # No boot loader, kernel or initrd: systemd-nspawn starts our init.
    boot.isContainer = true;

    # The smallest systemd that runs services and keeps the journal; its
    # closure is a fraction of the full one's. A snippet may still choose
    # another with mkForce (the policy warns). nixpkgs before 21.05 has no
    # systemdMinimal: the full systemd then, and a warning that says so.
    systemd.package = lib.mkDefault (pkgs.systemdMinimal or pkgs.systemd);
    warnings = lib.optional (!(pkgs ? systemdMinimal))
      "nixunits: this nixpkgs (${lib.trivial.release}) has no systemdMinimal; the container runs the full systemd";

    # The container's name is its id, and so is its hostname: systemd-nspawn
    # sets it (--machine=<id>), and with an empty hostName NixOS writes no
    # /etc/hostname over it. Not `networking.hostName = id`: the system does
    # not depend on the id, so one build serves every container of a
    # snippet that does not read `id` (the policy denies setting it).
    networking.hostName = lib.mkDefault "";

    # Nobody logs in: no gettys, no logind, no user sessions. `nixunits
    # nsenter` is the way in.
    systemd.services."console-getty".enable = false;
    systemd.services."container-getty@".enable = false;
    systemd.services."getty@".enable = false;
    systemd.services."serial-getty@".enable = false;
    systemd.services.systemd-logind.enable = false;
    systemd.services.systemd-user-sessions.enable = false;
    systemd.services."user@".enable = false;

    # Crashes are the host's business.
    systemd.coredump.enable = false;

    # One service per container: no name-service cache daemon (and no NSS
    # modules that would need it), no resolvconf juggling — the host
    # decides DNS through the bind mounts it gives. (NixOS 20.09 sets
    # resolvconf.enable at normal priority, hence mkForce.)
    services.nscd.enable = false;
    system.nssModules = lib.mkForce [ ];
    networking.resolvconf.enable = lib.mkForce false;

    # The host configures the network (nixunits network-up): no DHCP here.
    networking.useDHCP = false;
    networking.useHostResolvConf = lib.mkDefault false;

    # The journal stays: it is how `journalctl -M <id>` and the unit's logs
    # work. Keep it small.
    services.journald.extraConfig = lib.mkDefault ''
      SystemMaxUse=64M
    '';

    # A smaller closure.
    documentation.enable = lib.mkDefault false;

    # Services that want the network wait for the host to have set it up:
    # network-online.target is reached only once the marker nixunits drops
    # inside exists. (The first nixunits configured the network after boot;
    # "no network while booting" is the first pain users of NixOS
    # containers list.)
    systemd.services.nixunits-wait-net-ready = {
      description = "Wait for the host to configure the network";
      wantedBy = [ "network-online.target" ];
      before = [ "network-online.target" ];
      after = [ "network-pre.target" ];
      unitConfig.DefaultDependencies = false;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        TimeoutStartSec = "2min";
      };
      script = ''
        while [ ! -e /run/nixunits/net-ready ]; do sleep 0.1; done
      '';
    };
    systemd.targets.network-online.wants = [ "nixunits-wait-net-ready.service" ];

    # Snippets rarely say; this is the release they were written against.
    system.stateVersion = lib.mkDefault lib.trivial.release;
  };
  # The files that define each option of NixOS's nixpkgs module, for the
  # option paths share.nix asks about (`[ [ "config" ] [ "overlays" ] … ]`):
  # how it tells a system that sets `nixpkgs.*` of its own. Read through
  # this module's `options` argument, the module system that gave
  # `config`: the `options` eval-config returns is another evaluation of
  # every module (`inherit (lib.evalModules { … }) config options` in
  # eval-config.nix; Nix before 2.20 evaluates the expression once per
  # name inherited), which cost shared systems a quarter of their time.
  # A function, so the system's configuration holds no file names.
  nixpkgsDefinitions = paths:
    map (p: (builtins.foldl' (v: n: v.${n} or { }) (options.nixpkgs or { }) p).files or null) paths;
in
{
  options._nixunits.nixpkgsDefinitions = lib.mkOption {
    internal = true;
    visible = false;
    readOnly = true;
    type = lib.types.unspecified;
    description = "nixunits' own: the files defining the nixpkgs module's options (nix/share.nix).";
  };

  config = lib.mkMerge [
    base
    { _nixunits = { inherit nixpkgsDefinitions; }; }
    # The host's systemd-oomd watches the slice (NixOS 22.05 and later).
    (lib.optionalAttrs (options.systemd ? oomd) {
      systemd.oomd.enable = false;
    })
    # NixOS 20.09 (the release, not its July 2020 prerelease) and later.
    (lib.optionalAttrs (options.environment ? defaultPackages) {
      environment.defaultPackages = lib.mkDefault [ ];
    })
  ];
}
