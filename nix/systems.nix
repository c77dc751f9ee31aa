# The derivations of many systems in one Nix process, nixpkgs imported once
# (share.nix): what a worker of `nixunits apply` evaluates for its chunk.
#
#   nix-instantiate --eval --strict --json --read-write-mode nix/systems.nix \
#     --arg nixpkgs /path/to/nixpkgs \
#     --argstr systemsJSON '[{"id":"pg","configFile":"/…/pg.nix","unitJSON":"{…}"}, …]'
#
# gives, in the same order, one record per system:
# `{ "drvPath": "/nix/store/…-nixos-system-….drv", "out": "/nix/store/…",
# "ownPkgs": false }` (`out`, not `outPath`: Nix prints a set with an
# `outPath` as that string), the .drv files written to the store
# (`--read-write-mode`), ready for one `nix-store --realise` of them all.
# Each record's drvPath is the one nix/system.nix gives the same arguments
# alone. A list of one system is evaluated by nix/system.nix alone (nothing
# to share; `ownPkgs` is null).
#
# `systems` may be given as a Nix list instead (`configFile` a path or a
# string, or `config` a module).
#
# `--arg progress true`: each system, once evaluated, is also reported on
# standard error as it is done, in order, as
# `trace: nixunits-system {"index":0,"drvPath":"…",…}`, so a
# caller can show progress, and, when one system fails the whole process
# (an error `builtins.tryEval` cannot catch, such as a missing attribute),
# keep those done before it, report the error as that system's, and
# evaluate the rest in a new process.
#
# nixpkgs: 20.09 or newer (versions.nix says what each part needs).
{ systemsJSON ? "[]"
, systems ? builtins.fromJSON systemsJSON
, nixpkgs ? <nixpkgs>
, system ? builtins.currentSystem
, progress ? false
}:
let
  # One system: alone, as nix/system.nix evaluates it (sharing would only
  # add the reference evaluation and the check).
  alone = builtins.length systems == 1;
  share = import ./share.nix { inherit nixpkgs system; };
  systemOf = s:
    if alone then { toplevel = import ./system.nix (s // { inherit nixpkgs system; }); ownPkgs = null; }
    else share.systemOf s;
  # A file name from JSON is a string; the module system is given the path,
  # as nix/system.nix is given it on the command line.
  asPath = f: if builtins.isString f then /. + f else f;
  record = index: s:
    let
      r = systemOf (s // { configFile = asPath (s.configFile or null); });
      done = { inherit (r.toplevel) drvPath; out = r.toplevel.outPath; inherit (r) ownPkgs; };
      report = builtins.trace ("nixunits-system " + builtins.toJSON ({ inherit index; } // done));
    in
    if progress then builtins.seq done.drvPath (builtins.seq done.ownPkgs (report done)) else done;
in
builtins.genList (i: record i (builtins.elemAt systems i)) (builtins.length systems)
