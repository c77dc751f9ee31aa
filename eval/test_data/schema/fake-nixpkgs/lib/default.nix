# A stand-in for nixpkgs' lib: what `nixunits schema generate` calls, and
# what the stand-in eval-config.nix uses as NixOS modules do.
rec {
  optionAttrSetToDocList = options: options;
  mkOption = attrs: attrs // { _type = "option"; };
  setAttrByPath = path: value:
    if path == [ ] then value
    else { ${builtins.head path} = setAttrByPath (builtins.tail path) value; };
  # As nixpkgs' (which the generator replaces, to keep the instructions).
  mkRemovedOptionModule = optionName: why: { ... }: {
    options = setAttrByPath optionName (mkOption {
      visible = false;
      apply = x: throw "The option can no longer be used since it's been removed. ${why}";
    });
  };
}
