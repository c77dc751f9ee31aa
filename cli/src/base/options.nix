# `nixunits schema generate`: every option of a nixpkgs' NixOS, as
# lib.optionAttrSetToDocList lists them (sub-options of submodules
# included, below `<name>` and `*`), each with its type as a tree
# (DESIGN §10) beside its description.
#
# Invisible options are listed too: aliases (mkRenamedOptionModule says
# "Alias of …") and removed options, whose instructions only a throw and
# an assertion hold, so the evaluation gets a lib whose
# mkRemovedOptionModule writes them into the description (eval-config.nix
# takes `lib`, 20.09 and later).
#
# The tree is read off the type's attributes: `name`, `functor.wrapped`
# (2020) or `nestedTypes` (later), `functor.payload` (enum values, the
# separator); what only the description says (the pattern of strMatching,
# the `from` side of coercedTo in 2020) comes from the description. A
# `check` that is not the one mkOptionType was given (addCheck, or `//`)
# is found by where it was written: `builtins.unsafeGetAttrPos "check"`.
{ nixpkgs, removedPrefix }:
let
  lib0 = import (nixpkgs + "/lib");
  lib = lib0 // {
    mkRemovedOptionModule = optionName: why: { ... }: {
      options = lib0.setAttrByPath optionName (lib0.mkOption {
        visible = false;
        description = removedPrefix + why;
      });
    };
  };
  eval = import (nixpkgs + "/nixos/lib/eval-config.nix") {
    inherit lib;
    specialArgs = { inherit lib; };
    modules = [ ];
    system = builtins.currentSystem;
  };

  inherit (builtins) isAttrs isList isString isInt isBool isFloat typeOf
    attrValues concatMap tryEval substring stringLength match;

  hasPrefix = p: s: substring 0 (stringLength p) s == p;
  hasSuffix = p: s:
    let n = stringLength s; m = stringLength p;
    in n >= m && substring (n - m) m s == p;
  removePrefix = p: s: substring (stringLength p) (stringLength s) s;
  removeSuffix = p: s: substring 0 (stringLength s - stringLength p) s;

  isOption = x: isAttrs x && (x._type or "") == "option";
  collectOptions = x:
    if isOption x then [ x ]
    else if isAttrs x then concatMap collectOptions (attrValues x)
    else [ ];

  # Where a type's `check` was written.
  root = toString nixpkgs + "/";
  posOf = posOfAttr "check";
  posOfAttr = attr: t:
    let
      p = builtins.unsafeGetAttrPos attr t;
      file = toString p.file;
    in
    if p == null then ""
    else "${if hasPrefix root file then removePrefix root file else file}:${toString p.line}";
  plainPos = posOf (lib0.mkOptionType { name = "nixunits-probe"; });
  plainMergePos = posOfAttr "merge" (lib0.mkOptionType { name = "nixunits-probe"; });
  addCheckPos =
    if lib0 ? types && lib0.types ? addCheck
    then posOf (lib0.types.addCheck (lib0.mkOptionType { name = "nixunits-probe"; }) (x: true))
    else "";

  ok = x: (tryEval (builtins.deepSeq x true)).success;
  jsonable = v: isString v || isInt v || isBool v || isFloat v || v == null;

  opaque = t: { opaque = if ok (t.description or null) then t.description or "" else ""; };

  # The integer families: their bounds from the description.
  intBounds = name: desc:
    let m = match ".*between (-?[0-9]+) and (-?[0-9]+) \\(both inclusive\\).*" desc;
    in if name == "unsignedInt" then { min = 0; }
    else if name == "positiveInt" then { min = 1; }
    else if m != null then { min = builtins.fromJSON (builtins.elemAt m 0); max = builtins.fromJSON (builtins.elemAt m 1); }
    else null;
  intNames = [ "intBetween" "unsignedInt" "positiveInt" "unsignedInt8" "unsignedInt16"
    "unsignedInt32" "signedInt8" "signedInt16" "signedInt32" ];

  # A type met again inside itself (`valueType = nullOr (oneOf [ …
  # (attrsOf valueType) ])`) is known by its name and description and
  # those of the types right inside it: the walk records `{ ref = id; }`
  # there and `{ rec = { id; type; }; }` around the ancestor.
  nestedOf = t:
    let
      nested = t.nestedTypes or { };
      wrapped = t.functor.wrapped or null;
    in
    if nested != { } then attrValues nested
    else if isList wrapped then wrapped
    else if wrapped != null then [ wrapped ]
    else [ ];
  shallow = t: if isAttrs t then { n = t.name or ""; d = t.description or ""; } else { };
  fingerprint = t:
    let fp = builtins.toJSON (shallow t // { sub = map shallow (nestedOf t); });
    in if ok fp then fp else null;
  hasRef = id: x:
    if isAttrs x then (x.ref or null) == id || builtins.any (hasRef id) (attrValues x)
    else if isList x then builtins.any (hasRef id) x
    else false;
  hasKey = keys: x:
    if isAttrs x then builtins.any (k: builtins.elem k keys) (builtins.attrNames x) || builtins.any (hasKey keys) (attrValues x)
    else if isList x then builtins.any (hasKey keys) x
    else false;

  tree = ancestors: depth: t:
    let
      fp = fingerprint t;
      seen = builtins.filter (a: fp != null && a.fp == fp) ancestors;
      id = "${t.description or ""}@${toString depth}";
      body = tree' (ancestors ++ [ { inherit fp id; } ]) depth t;
    in
    if seen != [ ] then { ref = (builtins.head seen).id; }
    else if hasRef id body then { "rec" = { inherit id; type = body; }; }
    else body;

  # `addCheck int f // { name = "bits"; description = …; }` (dhparams'
  # bitType): a name of its own over a plain type whose check lib's
  # addCheck wrote and whose merge is still mkOptionType's — the type is
  # its functor's (the one it was made from), with an addCheck.
  renamedNames = [ "int" "float" "str" "bool" "path" "package" ];
  tree' = ancestors: depth: t:
    let
      r = tree'' ancestors depth t;
      fname = t.functor.name or null;
    in
    if r ? opaque && isAttrs t && isString fname && fname != (t.name or null)
      && builtins.elem fname renamedNames && addCheckPos != ""
      && posOf t == addCheckPos && posOfAttr "merge" t == plainMergePos
    then tree'' ancestors depth (t // { name = fname; })
    else r;

  tree'' = ancestors: depth: t:
    if depth > 40 || !(isAttrs t) || (t._type or "") != "option-type" || !(ok (t.name or null)) || !(ok (t.description or null))
    then opaque t
    else
      let
        name = t.name or "";
        desc = t.description or name;
        nested = t.nestedTypes or { };
        wrapped = t.functor.wrapped or null;
        payload = t.functor.payload or null;
        sub = tree ancestors (depth + 1);
        elem = if nested ? elemType then nested.elemType else wrapped;
        pos = posOf t;
        structural =
          if name == "bool" then { bool = { }; }
          else if name == "int" then { int = { }; }
          else if builtins.elem name intNames then
            (let b = intBounds name desc; in if b == null then opaque t else { ints = b; })
          else if name == "float" then { float = { }; }
          else if name == "number" then { number = { }; }
          else if name == "str" then { str = { }; }
          else if name == "nonEmptyStr" then { addCheck = { type = { str = { }; }; }; }
          else if hasPrefix "strMatching " name && isString (payload.pattern or null) then
            { strMatching = payload.pattern; }
          else if hasPrefix "strMatching " name && hasPrefix "string matching the pattern " desc then
            { strMatching = removePrefix "string matching the pattern " desc; }
          else if hasPrefix "strMatching \"" name && hasSuffix "\"" name then
            # A description of its own (2020's printerName): the pattern is
            # in the name, as escapeNixString wrote it (JSON, `$` escaped).
            { strMatching = builtins.fromJSON (builtins.replaceStrings [ "\\$" ] [ "$" ] (removePrefix "strMatching " name)); }
          else if name == "separatedString" && isString payload then { separatedString = payload; }
          else if name == "path" then { path = { }; }
          else if name == "package" then { package = { }; }
          else if name == "attrs" then { attrs = { }; }
          else if name == "anything" then { anything = { }; }
          else if name == "unspecified" then { unspecified = { }; }
          else if name == "raw" then { raw = { }; }
          else if name == "enum" then
            (let values = if isList payload then payload else payload.values or null;
             # An empty enum accepts nothing: its values come from the
             # configuration (`enum (attrNames cfg.templates)`), empty here.
             in if isList values && values != [ ] && ok values && builtins.all jsonable values then { enum = values; } else opaque t)
          else if name == "listOf" && elem != null then
            (if hasPrefix "non-empty " desc then { nonEmptyListOf = sub elem; } else { listOf = sub elem; })
          else if name == "nonEmptyListOf" && elem != null then { nonEmptyListOf = sub elem; }
          else if name == "attrsOf" && elem != null then { attrsOf = sub elem; }
          else if name == "lazyAttrsOf" && elem != null then { lazyAttrsOf = sub elem; }
          else if name == "loaOf" && elem != null then { loaOf = sub elem; }
          else if (name == "uniq" || name == "unique") && elem != null then { uniq = sub elem; }
          else if name == "nullOr" && elem != null then { nullOr = sub elem; }
          else if name == "functionTo" && elem != null then { functionTo = sub elem; }
          else if name == "either" && nested ? left then { either = [ (sub nested.left) (sub nested.right) ]; }
          else if name == "either" && isList wrapped && builtins.length wrapped == 2 then
            { either = map sub wrapped; }
          else if name == "coercedTo" && nested ? coercedType then
            { coercedTo = { from = sub nested.coercedType; to = sub nested.finalType; }; }
          else if name == "coercedTo" && wrapped != null then
            # 2020: the `from` side is only in "<final> or <from> convertible to it".
            (let
              lead = (wrapped.description or "") + " or ";
              tail = " convertible to it";
            in if hasPrefix lead desc && hasSuffix tail desc
              then { coercedTo = { fromDescription = removeSuffix tail (removePrefix lead desc); to = sub wrapped; }; }
              else opaque t)
          else if name == "submodule" then
            { submodule = if nested ? freeformType then { freeform = sub nested.freeformType; } else { }; }
          else opaque t;
        # A check that is not the one mkOptionType was given.
        # (uniq inherits its element's check; the integer families and
        # nonEmptyListOf are addChecks modelled above.)
        extra = pos != "" && pos != plainPos && !(builtins.elem name intNames)
          && !(builtins.elem name [ "uniq" "unique" "nonEmptyStr" ])
          && !(name == "listOf" && hasPrefix "non-empty " desc);
      in
      if extra && !(structural ? opaque)
      then { addCheck = { type = structural; at = if pos == addCheckPos then "addCheck" else pos; }; }
      else structural;

  typeTree = t: let r = tree [ ] 0 t; in if ok r then r else { opaque = ""; };

  # Declaring files, relative to the tree: where `schema generate` looks
  # for the functions an addCheck or a coercedTo hides.
  relative = f: let s = toString f; in if hasPrefix root s then removePrefix root s else s;

  # The options of submodules in a branch of `either` (whose
  # getSubOptions lists nothing), below `<either 0>` and `<either 1>`:
  # the checks follow the branch the module system merges with.
  branchOptions = decls: depth: t: prefix:
    if depth > 6 || !(isAttrs t) then [ ]
    else
      let ss = (t.getSubOptions or (p: { })) prefix;
      in (if ss != { } then walk decls ss else [ ]) ++ branchSubs decls (depth + 1) t prefix;
  branchSubs = decls: depth: t: prefix:
    if depth > 6 || !(isAttrs t) then [ ]
    else
      let
        name = t.name or "";
        nested = t.nestedTypes or { };
        wrapped = t.functor.wrapped or null;
        elem = if nested ? elemType then nested.elemType
          else if name == "coercedTo" && nested ? finalType then nested.finalType
          else wrapped;
        branches = if nested ? left then [ nested.left nested.right ]
          else if isList wrapped then wrapped else [ ];
        under = p: if elem == null || isList elem then [ ] else branchSubs decls (depth + 1) elem (prefix ++ p);
      in
      if name == "either" then
        concatMap (i: branchOptions decls (depth + 1) (builtins.elemAt branches i) (prefix ++ [ "<either ${toString i}>" ]))
          (if builtins.length branches == 2 then [ 0 1 ] else [ ])
      else if builtins.elem name [ "listOf" "nonEmptyListOf" ] then under [ "*" ]
      else if builtins.elem name [ "attrsOf" "lazyAttrsOf" ] then under [ "<name>" ]
      else if name == "loaOf" then under [ "<name?>" ]
      else if builtins.elem name [ "nullOr" "uniq" "unique" "coercedTo" ] then under [ ]
      else [ ];

  # `decls`: the declaring files of the option above (a submodule's own
  # options in a branch of `either` have none of their own).
  walk = decls: options: concatMap
    (opt:
      let
        visible = (opt.visible or true) != false;
        tt = typeTree (opt.type or null);
        own =
          let d = builtins.filter (f: !(hasPrefix "<" f)) (map relative (opt.declarations or [ ]));
          in if ok d && d != [ ] then d else decls;
        doc = {
          inherit (opt) loc;
          name = builtins.concatStringsSep "." opt.loc;
          readOnly = opt.readOnly or false;
          apply = opt ? apply;
          type = opt.type.description or "";
          typeTree = tt;
          # (`ints`, `uniq`, `nonEmptyListOf`: an addCheck over them
          # has their name, so Nix's tree cannot show it; the files can.
          # `enum`: its values may come from the configuration.)
          declarations =
            if hasKey [ "addCheck" "coercedTo" "ints" "uniq" "nonEmptyListOf" "enum" ] tt then own else [ ];
          description = opt.description or "";
          inherit visible;
          internal = opt.internal or false;
        };
        subs =
          let ss = opt.type.getSubOptions opt.loc;
          in if ss != { } then walk own ss else [ ];
      in
      [ doc ] ++ (if visible && (opt.visible or null) != "shallow"
        then subs ++ branchSubs own 0 (opt.type or null) opt.loc else [ ]))
    (collectOptions options);
in
walk [ ] eval.options
