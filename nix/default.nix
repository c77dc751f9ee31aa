# What `nixunits build` builds (DESIGN §6): a NixOS system made of the
# container base module, the user's snippet and the unit description, and
# a store path holding etc/nixunits/<id>.conf, the environment file the
# template unit reads.
#
#   nix-build default.nix --argstr id pg --arg configFile ./pg.nix \
#     --argstr unitJSON '{"network":{…}}'
#
# The host module passes the snippet as a module value (`config`) instead
# of a file.
#
# nixpkgs: 20.09 or newer (versions.nix says what each part needs).
{ id
, configFile ? null
, config ? null
, unitJSON ? "{}"
, nixpkgs ? <nixpkgs>
, system ? builtins.currentSystem
}:
let
  nlib = import ./lib.nix;
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
      inherit system;
      # The arguments a snippet may take besides NixOS's own (DESIGN §3),
      # available to `imports` too.
      specialArgs = {
        inherit id;
        network = unit.network or { };
        properties = unit.properties or { };
      };
      modules = [ ./container.nix snippet ];
    });
  pkgs = eval.pkgs;
  toplevel = eval.config.system.build.toplevel;
in
pkgs.runCommand "nixunits-${id}"
  {
    # The store path as a string (keeping its context): the conf names it.
    conf = nlib.confText { systemPath = "${toplevel}"; inherit id unit; };
    passAsFile = [ "conf" ];
    passthru = { inherit toplevel eval; };
  }
  ''
    mkdir -p $out/etc/nixunits
    cp "$confPath" $out/etc/nixunits/${id}.conf
    ln -s ${toplevel} $out/system
  ''
