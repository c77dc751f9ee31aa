# A container as one store path (DESIGN §6): the NixOS system of system.nix
# and etc/nixunits/<id>.conf, the environment file the template unit reads.
# What the host module builds for a declared container; `nixunits build`
# builds system.nix alone and writes unit.conf itself (the same text,
# `lib.confText`), so that one system serves many containers.
#
#   nix-build default.nix --argstr id pg --arg configFile ./pg.nix \
#     --argstr unitJSON '{"network":{…}}'
#
# The host module passes the snippet as a module value (`config`) instead
# of a file, and `share` (share.nix), so that its containers share one
# imported nixpkgs.
#
# nixpkgs: 20.09 or newer (versions.nix says what each part needs).
{ id
, configFile ? null
, config ? null
, unitJSON ? "{}"
, nixpkgs ? <nixpkgs>
, system ? builtins.currentSystem
  # share.nix of the same nixpkgs and system: the system evaluated with its
  # shared `pkgs` (the same derivation as without). null: on its own.
, share ? null
}:
let
  nlib = import ./lib.nix;
  unit = builtins.fromJSON unitJSON;
  toplevel =
    if share != null then (share.systemOf { inherit id configFile config unitJSON; }).toplevel
    else import ./system.nix { inherit id configFile config unitJSON nixpkgs system; };
  eval = toplevel.eval;
  pkgs = eval.pkgs;
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
