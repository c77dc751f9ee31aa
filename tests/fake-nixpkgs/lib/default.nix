# The `lib` of the tests' fake nixpkgs: what nixunits' Nix files, the
# examples and the test snippets use, with nixpkgs' semantics and its
# representation of module properties (`_type`), so the shipped files see
# the values they would see in nixpkgs.
let
  inherit (builtins) attrNames filter isAttrs isList listToAttrs map elem
    replaceStrings stringLength substring genList length head tail;
  release = "99.99";
in
rec {
  trivial = { inherit release boolToString; version = "${release}pre-fake"; id = x: x; };
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
  modules = { inherit mkIf mkMerge mkOverride mkDefault mkForce mkOrder mkBefore mkAfter mkOptionDefault mkVMOverride; };
  # nixpkgs' lib sections (the functions below, reached as lib.attrsets.x, …).
  attrsets = { inherit mapAttrs mapAttrs' mapAttrsToList nameValuePair filterAttrs genAttrs recursiveUpdate optionalAttrs; inherit (builtins) attrNames attrValues hasAttr getAttr removeAttrs intersectAttrs listToAttrs; };
  lists = { inherit optional optionals flatten unique range concatMap concatLists; inherit (builtins) filter foldl' genList elem elemAt length head tail; };
  strings = { inherit concatStrings concatMapStrings concatMapStringsSep concatStringsSep hasPrefix hasSuffix splitString toUpper toLower escapeShellArg optionalString versionAtLeast versionOlder; inherit (builtins) replaceStrings substring stringLength toString; };
  inherit (builtins) attrValues hasAttr getAttr removeAttrs intersectAttrs foldl' elemAt toString;
  inherit elem replaceStrings stringLength substring genList length head tail filter attrNames listToAttrs;

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
  concatStrings = builtins.concatStringsSep "";
  concatMapStrings = f: xs: concatStrings (map f xs);
  concatMapStringsSep = sep: f: xs: concatStringsSep sep (map f xs);
  mapAttrs' = f: as: listToAttrs (map (n: f n as.${n}) (attrNames as));
  recursiveUpdate = lhs: rhs: lhs // builtins.mapAttrs
    (n: r: if isAttrs r && isAttrs (lhs.${n} or null) then recursiveUpdate lhs.${n} r else r) rhs;
  unique = builtins.foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  range = first: last: if first > last then [ ] else genList (i: first + i) (last - first + 1);
  hasPrefix = pre: s: substring 0 (stringLength pre) s == pre;
  hasSuffix = suf: s: let n = stringLength s; m = stringLength suf; in
    n >= m && substring (n - m) m s == suf;
  # Plain separators (nixpkgs escapes regex characters; these tests use none).
  splitString = sep: s: filter builtins.isString (builtins.split (replaceStrings [ "." ] [ "\\." ] sep) s);
  upper = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ];
  lower = [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
  toUpper = replaceStrings lower upper;
  toLower = replaceStrings upper lower;
  boolToString = b: if b then "true" else "false";
  escapeShellArg = arg: let s = toString arg; in
    if builtins.match "[[:alnum:],._+:@%/-]+" s == null
    then "'${replaceStrings [ "'" ] [ "'\\''" ] s}'" else s;
  flatten = x: if isList x then builtins.concatLists (map flatten x) else [ x ];
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";

  # Versions.
  imap0 = f: xs: genList (i: f i (builtins.elemAt xs i)) (length xs);
  imap1 = f: xs: genList (i: f (i + 1) (builtins.elemAt xs i)) (length xs);
  # lib.generators with their default formatting.
  generators = rec {
    escape = cs: s: replaceStrings cs (map (c: "\\${c}") cs) s;
    mkValueStringDefault = v:
      if builtins.isInt v then toString v
      else if builtins.isString v then v
      else if v == true then "true"
      else if v == false then "false"
      else if v == null then "null"
      else abort "generators: value not supported";
    toKeyValue = { }: attrs:
      concatStrings (mapAttrsToList (k: v: "${escape [ "=" ] k}=${mkValueStringDefault v}\n") attrs);
    toINI = { }: sections:
      concatStringsSep "\n"
        (mapAttrsToList (name: values: "[${escape [ "[" "]" ] name}]\n" + toKeyValue { } values) sections);
  };
  versionOlder = a: b: builtins.compareVersions a b < 0;
  versionAtLeast = a: b: !(versionOlder a b);

  # Options: the fake module system declares none, but the shipped host
  # module and snippets may spell them.
  literalExpression = text: { _type = "literalExpression"; inherit text; };
}
