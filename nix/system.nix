# The NixOS system of a container (DESIGN §6): the base module and the
# snippet, evaluated by nixpkgs' eval-config.nix. What `nixunits build`
# builds: the system's store path. It depends on `id`, `network` and
# `properties` only when the snippet reads them, so that one build serves
# every container of a snippet that does not; the per-container files
# (unit.conf, unit.json) are written without evaluating again.
#
#   nix-build system.nix --argstr id pg --arg configFile ./pg.nix \
#     --argstr unitJSON '{"network":{…}}' --arg nixpkgs /path/to/nixpkgs
#
# The result has `eval` (the evaluated configuration), for default.nix and
# systems.nix.
#
# nixpkgs: 20.09 or newer (versions.nix says what each part needs).
{ id
, configFile ? null
, config ? null
, unitJSON ? "{}"
, nixpkgs ? <nixpkgs>
, system ? builtins.currentSystem
  # An imported nixpkgs to hand to the system instead of the one NixOS
  # imports from its `nixpkgs.*` options (eval-config's `pkgs` argument):
  # systems.nix shares one among many systems. null: NixOS's own.
, pkgs ? null
}:
let
  versions = import ./versions.nix;
  unit = builtins.fromJSON unitJSON;
  snippet =
    if config != null then config
    else if configFile != null then configFile
    else throw "nixunits: give configFile or config";
  # `nixpkgs + "/…"`, never "${nixpkgs}/…": interpolating a path copies the
  # whole tree into the store on every evaluation.
  eval = versions.require "the container build" versions.container nixpkgs
    (import (nixpkgs + "/nixos/lib/eval-config.nix") {
      inherit system pkgs;
      # The arguments a snippet may take besides NixOS's own (DESIGN §3),
      # available to `imports` too.
      specialArgs = {
        inherit id;
        network = unit.network or { };
        properties = unit.properties or { };
      };
      modules = [ ./container.nix snippet ];
    });
in
eval.config.system.build.toplevel // { inherit eval; }
