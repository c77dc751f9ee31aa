# A stand-in for nixpkgs' lib: what `nixunits schema generate` calls, and
# what the stand-in eval-config.nix uses as NixOS modules do. Its option
# types have the attributes the generator reads off nixpkgs' (`name`,
# `description`, `functor.wrapped`, `functor.payload`, `getSubOptions`,
# a `check` written where mkOptionType or addCheck writes it); their checks
# are not what these tests exercise.
rec {
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

  mkOptionType =
    { name, description ? name, check ? (x: true), getSubOptions ? (prefix: { })
    , wrapped ? null, payload ? null }:
    {
      _type = "option-type";
      inherit name description check getSubOptions;
      functor = { inherit name wrapped payload; };
    };

  types = rec {
    addCheck = t: check: t // { check = x: t.check x && check x; };
    bool = mkOptionType { name = "bool"; description = "boolean"; };
    int = mkOptionType { name = "int"; description = "signed integer"; };
    float = mkOptionType { name = "float"; description = "floating point number"; };
    str = mkOptionType { name = "str"; description = "string"; };
    path = mkOptionType { name = "path"; };
    package = mkOptionType { name = "package"; };
    anything = mkOptionType { name = "anything"; };
    raw = mkOptionType { name = "raw"; description = "raw value"; };
    unspecified = mkOptionType { name = "unspecified"; };
    lines = mkOptionType { name = "separatedString"; description = "strings concatenated with \"\\n\""; payload = "\n"; };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${builtins.toJSON pattern}";
      description = "string matching the pattern ${pattern}";
    };
    ints = {
      u16 = addCheck int (x: x >= 0 && x <= 65535) // {
        name = "unsignedInt16";
        description = "16 bit unsigned integer; between 0 and 65535 (both inclusive)";
      };
      unsigned = addCheck int (x: x >= 0) // {
        name = "unsignedInt";
        description = "unsigned integer, meaning >=0";
      };
    };
    enum = values: mkOptionType {
      name = "enum";
      description = "one of ${builtins.concatStringsSep ", " (map (v: "\"${v}\"") values)}";
      payload = values;
    };
    composite = name: prefix: placeholder: t: mkOptionType {
      inherit name;
      description = "${prefix}${if t.name == "submodule" || t.name == "either" || t.name == "nullOr" then "(${t.description})" else t.description}";
      wrapped = t;
      getSubOptions = p: t.getSubOptions (p ++ placeholder);
    };
    listOf = composite "listOf" "list of " [ "*" ];
    attrsOf = composite "attrsOf" "attribute set of " [ "<name>" ];
    lazyAttrsOf = composite "lazyAttrsOf" "lazy attribute set of " [ "<name>" ];
    nullOr = t: composite "nullOr" "null or " [ ] t // { description = "null or ${t.description}"; };
    either = a: b: mkOptionType {
      name = "either";
      description = "${a.description} or ${b.description}";
      wrapped = [ a b ];
    };
    coercedTo = from: f: to: mkOptionType {
      name = "coercedTo";
      description = "(${to.description}) or ${from.description} convertible to it";
      wrapped = to;
    };
    submodule = options: mkOptionType {
      name = "submodule";
      getSubOptions = prefix: options;
    };
  };
}
