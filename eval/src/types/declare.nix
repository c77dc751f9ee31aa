# What option declarations are made of, as `types::recover` reads them
# with the embedded evaluator: `lib.mkOption` and the constructors of
# `lib.types`, each type a set that names its constructor and keeps its
# parts (`__nixunits`), so that the functions a module gives a type (an
# addCheck's predicate, a coercedTo's conversion) can be found again and
# written down with what they close over.
#
# `prims` is the evaluator's own lib (its known functions; any other name
# unknown). `types` has no other names (a module's `with types;` must let
# `mkOption` through to `lib`): a constructor this file does not name is
# missing, and every option whose type uses it is left to Nix.
{ prims }:
let
  mk = con: parts: {
    _type = "option-type";
    name = con;
    __nixunits = { inherit con; } // parts;
  };
  leaf = con: mk con { };
  wrap = con: elemType: mk con { inherit elemType; };

  ints = {
    between = min: max: mk "ints" { inherit min max; };
    unsigned = mk "ints" { min = 0; };
    positive = mk "ints" { min = 1; };
    u8 = ints.between 0 255;
    u16 = ints.between 0 65535;
    u32 = ints.between 0 4294967295;
    s8 = ints.between (-128) 127;
    s16 = ints.between (-32768) 32767;
    s32 = ints.between (-2147483648) 2147483647;
  };

  either = left: right: mk "either" { inherit left right; };
  separatedString = sep: mk "separatedString" { inherit sep; };

  types = {
    inherit ints either separatedString;
    unspecified = leaf "unspecified";
    bool = leaf "bool";
    int = leaf "int";
    float = leaf "float";
    number = leaf "number";
    str = leaf "str";
    nonEmptyStr = leaf "nonEmptyStr";
    strMatching = pattern: mk "strMatching" { inherit pattern; };
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    string = separatedString "";
    attrs = leaf "attrs";
    package = leaf "package";
    path = leaf "path";
    anything = leaf "anything";
    raw = leaf "raw";
    port = ints.u16;
    enum = values: mk "enum" { inherit values; };
    listOf = wrap "listOf";
    list = wrap "listOf";
    nonEmptyListOf = wrap "nonEmptyListOf";
    attrsOf = wrap "attrsOf";
    lazyAttrsOf = wrap "lazyAttrsOf";
    loaOf = wrap "loaOf";
    uniq = wrap "uniq";
    unique = wrap "uniq";
    nullOr = wrap "nullOr";
    functionTo = wrap "functionTo";
    oneOf = ts: builtins.foldl' either (builtins.head ts) (builtins.tail ts);
    coercedTo = from: convert: to: mk "coercedTo" { inherit from convert to; };
    submodule = modules:
      mk "submodule" { modules = if builtins.isList modules then modules else [ modules ]; };
    submoduleWith = { modules, ... }: mk "submodule" { inherit modules; };
    addCheck = inner: check: inner // {
      __nixunits = { con = "addCheck"; inherit inner check; };
    };
    mkOptionType = attrs: attrs // {
      _type = "option-type";
      __nixunits = { con = "mkOptionType"; };
    };
  };

  mkOption = attrs: attrs // { _type = "option"; };

  lib = prims // {
    inherit types mkOption;
    inherit (types) mkOptionType;
    mkEnableOption = name: mkOption { type = types.bool; };
    options = lib;
    modules = lib;
    trivial = lib;
    lists = lib;
    strings = lib;
    attrsets = lib;
  };
in
lib
