# A stand-in for nixpkgs' nixos/lib/eval-config.nix, with the interface
# `nixunits schema generate` uses: `options`, already in the list shape
# (the stand-in lib's optionAttrSetToDocList passes it through).
{ modules ? [ ], system ? builtins.currentSystem }:
{
  options = builtins.fromJSON (builtins.readFile ./options-list.json);
}
