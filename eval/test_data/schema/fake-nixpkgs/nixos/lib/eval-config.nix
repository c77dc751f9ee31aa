# A stand-in for nixpkgs' nixos/lib/eval-config.nix, with the interface
# `nixunits schema generate` uses: `options`, a tree of options (each with
# `loc`, `type`, `description`, …) whose submodule types list their
# sub-options (`getSubOptions`), made from options-list.json with the
# stand-in lib's types; and one option removed the way
# nixos/modules/rename.nix removes them: through `lib.mkRemovedOptionModule`
# of the lib it is given.
{ modules ? [ ], system ? builtins.currentSystem, lib ? import ../../lib, specialArgs ? { } }:
let
  fake = import ../../lib;
  t = fake.types;
  entries = builtins.fromJSON (builtins.readFile ./options-list.json);
  isPlaceholder = s: s == "*" || builtins.substring 0 1 s == "<";
  take = n: l: builtins.genList (i: builtins.elemAt l i) n;
  len = builtins.length;
  # The option whose submodule an entry belongs to: the longest proper
  # prefix of its loc that is an option, followed by a placeholder.
  parentOf = e:
    let
      cands = builtins.filter
        (p: len p.loc < len e.loc && take (len p.loc) e.loc == p.loc
          && isPlaceholder (builtins.elemAt e.loc (len p.loc)))
        entries;
      best = builtins.foldl' (a: p: if a == null || len p.loc > len a.loc then p else a) null cands;
    in
    if best == null then null else best.name;
  childrenOf = name: builtins.filter (e: parentOf e == name) entries;
  nest = es: builtins.foldl' (acc: e: merge acc (fake.setAttrByPath e.loc (option e))) { } es;
  merge = a: b: a // builtins.mapAttrs
    (n: v: if a ? ${n} && builtins.isAttrs v && (v._type or "") != "option" then merge a.${n} v else v)
    b;
  sub = e: t.submodule (nest (childrenOf e.name));
  typeOf = e: {
    "string" = t.str;
    "boolean" = t.bool;
    "strings concatenated with \"\\n\"" = t.lines;
    "attribute set of anything" = t.attrsOf t.anything;
    "path" = t.path;
    "16 bit unsigned integer; between 0 and 65535 (both inclusive)" = t.ints.u16;
    "package" = t.package;
    "one of \"debug\", \"info\", \"warning\", \"error\"" = t.enum [ "debug" "info" "warning" "error" ];
    "list of string" = t.listOf t.str;
    "attribute set of (submodule)" = t.attrsOf (sub e);
    "null or string" = t.nullOr t.str;
    "list of package" = t.listOf t.package;
    "list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)" = t.listOf t.ints.u16;
    "list of (submodule)" = t.listOf (sub e);
    "null or strings concatenated with \"\\n\"" = t.nullOr t.lines;
    "unsigned integer, meaning >=0" = t.ints.unsigned;
    "null or path" = t.nullOr t.path;
    "one of \"debug\", \"verbose\", \"notice\", \"warning\"" = t.enum [ "debug" "verbose" "notice" "warning" ];
    "attribute set of (string or signed integer or list of string)" =
      t.attrsOf (t.either (t.either t.str t.int) (t.listOf t.str));
    "attribute set of (null or string or path or package)" =
      t.attrsOf (t.nullOr (t.either (t.either t.str t.path) t.package));
    "null or signed integer" = t.nullOr t.int;
    "lazy attribute set of raw value" = t.lazyAttrsOf t.raw;
    "unspecified" = t.unspecified;
    "(list of string) or string convertible to it" = t.coercedTo t.str (x: [ x ]) (t.listOf t.str);
    "string or list of string" = t.either t.str (t.listOf t.str);
    "floating point number" = t.float;
    "string matching the pattern [a-z][a-z0-9-]*" = t.strMatching "[a-z][a-z0-9-]*";
    "attribute set of systemd option" = t.addCheck (t.attrsOf (fake.mkOptionType { name = "systemd option"; })) (x: true);
  }.${e.type} or (fake.mkOptionType { name = "fixture"; description = e.type; });
  option = e: fake.mkOption {
    inherit (e) loc description readOnly visible;
    type = typeOf e;
  };
  removedModule = lib.mkRemovedOptionModule [ "services" "cgmanager" "enable" ]
    "cgmanager was deprecated by lxc and therefore removed from nixpkgs.";
  removed = (removedModule { options = { }; }).options.services.cgmanager.enable;
in
{
  options = merge (nest (builtins.filter (e: parentOf e == null) entries)) {
    services.cgmanager.enable = removed // {
      loc = [ "services" "cgmanager" "enable" ];
      type = t.unspecified;
      readOnly = false;
    };
  };
}
