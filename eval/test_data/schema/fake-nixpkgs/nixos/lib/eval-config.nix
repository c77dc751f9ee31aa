# A stand-in for nixpkgs' nixos/lib/eval-config.nix, with the interface
# `nixunits schema generate` uses: `options`, already in the list shape
# (the stand-in lib's optionAttrSetToDocList passes it through), and one
# option removed the way nixos/modules/rename.nix removes them: through
# `lib.mkRemovedOptionModule` of the lib it is given.
{ modules ? [ ], system ? builtins.currentSystem, lib ? import ../../lib, specialArgs ? { } }:
let
  removedModule = lib.mkRemovedOptionModule [ "services" "cgmanager" "enable" ]
    "cgmanager was deprecated by lxc and therefore removed from nixpkgs.";
  removed = (removedModule { options = { }; }).options.services.cgmanager.enable;
in
{
  options = builtins.fromJSON (builtins.readFile ./options-list.json) ++ [
    {
      name = "services.cgmanager.enable";
      loc = [ "services" "cgmanager" "enable" ];
      type = "unspecified";
      readOnly = false;
      visible = removed.visible;
      description = removed.description or "";
    }
  ];
}
