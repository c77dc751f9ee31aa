# A stand-in for nixpkgs' lib: what `nixunits schema generate` calls.
{
  optionAttrSetToDocList = options: options;
}
