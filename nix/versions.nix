# The oldest nixpkgs each part of nixunits' Nix files evaluates with, and
# the check that says so in plain words instead of an unknown-option error
# deep in NixOS.
#
# - The container build (default.nix, container.nix): 20.09, the oldest
#   release tried (nixpkgs of 2020-07). Newer features are used only where
#   they exist: systemdMinimal (else the full systemd, with a warning),
#   systemd.oomd (22.05).
# - The host module (module.nix): 23.05, for systemd.services.<name>.
#   overrideStrategy (23.05; a declared container's unit is a drop-in of
#   the template) and types.deferredModule (22.11).
rec {
  container = { release = "20.09"; needs = "eval-config.nix with specialArgs, boot.isContainer"; };
  hostModule = { release = "23.05"; needs = "systemd.services.<name>.overrideStrategy, types.deferredModule"; };

  # The release of a nixpkgs tree: lib.trivial.release ("20.09").
  releaseOf = nixpkgs: (import (nixpkgs + "/lib")).trivial.release;

  # `value` when `release` is at least `min.release`; otherwise an error
  # naming what is needed.
  check = what: min: release: value:
    if builtins.compareVersions release min.release < 0
    then throw "nixunits: ${what} needs nixpkgs ${min.release} or newer (${min.needs}); this nixpkgs is ${release}"
    else value;

  require = what: min: nixpkgs: check what min (releaseOf nixpkgs);
}
