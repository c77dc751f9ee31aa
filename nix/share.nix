# Many NixOS systems with one imported nixpkgs (DESIGN §10, issue 19).
#
# Each system of nix/system.nix imports nixpkgs afresh (NixOS's
# `nixpkgs.*` options → `import nixpkgs { … }`), and most of an
# evaluation's time and memory go there. Here one `pkgs` is imported and
# handed to every system (eval-config's `pkgs` argument), so the packages
# every system uses (stdenv, systemd, glibc, …) are evaluated once.
#
#   let share = import ./share.nix { inherit nixpkgs system; }; in
#   share.systemOf { id = "pg"; configFile = ./pg.nix; unitJSON = "{}"; }
#   # → { toplevel; ownPkgs; }
#
# The shared `pkgs` is the one NixOS itself imports for a system that
# defines no `nixpkgs.*` option: NixOS's nixpkgs module evaluated alone
# (`reference` below, milliseconds), so it is built from exactly the
# arguments a separate evaluation passes, whatever the release. A system
# whose options of that module are defined by anything else (a snippet's
# `nixpkgs.config`, a service module's overlay, as `services.locate` and
# `environment.noXlibs` add) gets its own evaluation, as nix/system.nix
# alone gives it, and `ownPkgs = true` says so. Either way the system is
# the one nix/system.nix gives: the same drvPath (tests/nix_lib.rs holds
# them equal for every example and test snippet).
#
# `pkgs`: another imported nixpkgs to share instead of the reference's (the
# host module's own, when the host defines no `nixpkgs.*` either). The
# caller vouches that it is the one NixOS would import.
#
# nixpkgs: 20.09 or newer (versions.nix says what each part needs).
{ nixpkgs ? <nixpkgs>
, system ? builtins.currentSystem
, pkgs ? null
}:
let
  versions = import ./versions.nix;
  nixosModule = nixpkgs + "/nixos/modules/misc/nixpkgs.nix";

  # NixOS's nixpkgs module alone, with eval-config's own definitions
  # (`nixpkgs.system`): the `pkgs` a system gets when nothing else defines
  # the module's options. (A whole container of the base module costs as
  # much as a system; this costs what importing nixpkgs does.)
  reference = versions.require "the container build" versions.container nixpkgs
    (import (nixpkgs + "/nixos/lib/eval-config.nix") {
      inherit system;
      baseModules = [ nixosModule ];
      # Only the module's own options are declared (it also defines
      # `assertions`, undeclared here); nothing else is read. The option,
      # not eval-config's `check` argument, which not every release takes.
      modules = [ { _module.check = false; } ];
    });

  shared = if pkgs != null then pkgs else reference.pkgs;

  # The options of the nixpkgs module (config, overlays, localSystem,
  # hostPlatform, pkgs, … as the release has them), by name.
  optionsUnder = prefix: o:
    if !(builtins.isAttrs o) then [ ]
    else if (o._type or null) == "option" then [ prefix ]
    else builtins.concatMap (n: optionsUnder (prefix ++ [ n ]) o.${n}) (builtins.attrNames o);
  pkgsOptions = optionsUnder [ ] (reference.options.nixpkgs or { });

  # The files defining each of them (a default counts as its declaring
  # file). Only definitions are compared, never values: a value may be a
  # function (an overlay), which Nix does not compare.
  at = o: path: builtins.foldl' (v: n: v.${n} or { }) o path;
  pkgsDefinitions = eval: map (p: (at (eval.options.nixpkgs or { }) p).files or null) pkgsOptions;
  referenceDefinitions = pkgsDefinitions reference;

  # `args`: those of nix/system.nix but nixpkgs, system and pkgs.
  systemOf = args:
    let
      common = args // { inherit nixpkgs system; };
      withShared = import ./system.nix (common // { pkgs = shared; });
      # Through the system's own module system (container.nix), not
      # `withShared.eval.options`: that one is evaluated afresh.
      ownPkgs = withShared.eval.config._nixunits.nixpkgsDefinitions pkgsOptions != referenceDefinitions;
    in
    {
      toplevel = if ownPkgs then import ./system.nix common else withShared;
      inherit ownPkgs;
    };
in
{
  pkgs = shared;
  inherit systemOf;
  # Whether the module options `options` (a NixOS system's, or a host's)
  # define any option of the nixpkgs module beyond what NixOS defines by
  # itself: then that system's `pkgs` is not the shared one.
  definesPkgs = options: pkgsDefinitions { inherit options; } != referenceDefinitions;
}
