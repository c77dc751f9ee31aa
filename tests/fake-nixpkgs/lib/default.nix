# The `lib` of the tests' fake nixpkgs: what nixunits' Nix files, the
# examples and the test snippets use, with nixpkgs' semantics and its
# representation of module properties (`_type`), so the shipped files see
# the values they would see in nixpkgs.
let
  inherit (builtins) attrNames filter isAttrs isList listToAttrs map;
  release = "99.99";
in
rec {
  trivial = { inherit release; version = "${release}pre-fake"; id = x: x; };
  version = trivial.version;

  # Module properties, as nixpkgs writes them.
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  modules = { inherit mkIf mkMerge mkOverride mkDefault mkForce mkOrder mkBefore mkAfter; };

  # Attribute sets and lists.
  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  optionalAttrs = cond: as: if cond then as else { };
  optionalString = cond: s: if cond then s else "";
  mapAttrs = builtins.mapAttrs;
  mapAttrsToList = f: as: map (n: f n as.${n}) (attrNames as);
  nameValuePair = name: value: { inherit name value; };
  filterAttrs = pred: as: listToAttrs (map (n: { name = n; value = as.${n}; })
    (filter (n: pred n as.${n}) (attrNames as)));
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  concatLists = builtins.concatLists;
  concatMap = f: xs: builtins.concatLists (map f xs);
  concatStringsSep = builtins.concatStringsSep;
  concatMapStrings = f: xs: builtins.concatStringsSep "" (map f xs);
  flatten = x: if isList x then builtins.concatLists (map flatten x) else [ x ];
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";

  # Versions.
  versionOlder = a: b: builtins.compareVersions a b < 0;
  versionAtLeast = a: b: !(versionOlder a b);

  # Options: the fake module system declares none, but the shipped host
  # module and snippets may spell them.
  literalExpression = text: { _type = "literalExpression"; inherit text; };
}
