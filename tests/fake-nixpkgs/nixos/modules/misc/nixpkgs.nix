# The fake NixOS's nixpkgs module (see ../../../README.md). Options are
# free-form here: `nixpkgs.config` and `nixpkgs.overlays` are read by
# nixos/lib/eval-config.nix itself, which imports `pkgs` with them, as
# NixOS's module does. Nothing to declare.
{ ... }:
{ }
