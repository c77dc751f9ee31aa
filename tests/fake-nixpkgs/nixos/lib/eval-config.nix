# `nixos/lib/eval-config.nix` of the tests' fake nixpkgs (see README.md): a
# small module system over free-form options, and a toplevel that is a real
# derivation with an `init`.
{ system ? builtins.currentSystem
, modules
, specialArgs ? { }
, baseModules ? [ ]
, pkgs ? null
, lib ? import ../../lib
, ...
}:
let
  inherit (builtins) all concatLists concatStringsSep filter foldl' head isAttrs
    isFunction isList isPath isString map mapAttrs sort toJSON tryEval
    zipAttrsWith;

  # As NixOS's nixpkgs module: `pkgs` imported with the system's
  # `nixpkgs.config` and `nixpkgs.overlays`, unless given (`pkgs`, which
  # overrides them, as eval-config's argument does).
  pkgs' = if pkgs != null then pkgs else import ../.. {
    inherit system;
    config = nixpkgsOption "config" { };
    overlays = nixpkgsOption "overlays" [ ];
  };
  # `nixpkgs.<name>`, or `default` where no module defines it (a name
  # whose definitions are all `mkIf false` throws in this free-form fake).
  nixpkgsOption = name: default:
    if options.nixpkgs.${name}.files == [ ] then default else config.nixpkgs.${name};
  args = { inherit lib config options; pkgs = pkgs'; modulesPath = toString ../modules; }
    // specialArgs;
  # Definitions are free-form; `options` holds what modules test for with
  # `options ? …` (features of newer NixOS releases, this fake being the
  # newest), and the options of the nixpkgs module with the files that
  # define them (`files`, as an option of nixpkgs' module system has it).
  options = {
    systemd.oomd = { };
    environment.defaultPackages = { };
    nixpkgs = lib.genAttrs [ "config" "overlays" ] (name: {
      _type = "option";
      files = map (m: m.file) (filter (definesNixpkgs name) collected);
    });
  };
  # Whether a module defines `nixpkgs.<name>` (conditions evaluated).
  definesNixpkgs = name: m:
    builtins.any (d: builtins.any (v: isSet v && v ? ${name}) (valuesOf [ (d.nixpkgs or { }) ]))
      (pushDown m.defs);

  # Every module with its imports, as { file; defs; }. A module function
  # gets every argument, as nixpkgs' module system passes them.
  collect = file: m:
    let
      fromFile = isPath m || isString m;
      f = if fromFile then import m else m;
      file' = if fromFile then toString m else file;
      v = if isFunction f then f args else f;
      full = isAttrs v && (v ? config || v ? options);
      defs = if full then v.config or { }
        else removeAttrs v [ "imports" "_file" "key" "disabledModules" "meta" ];
    in
    [ { file = v._file or file'; inherit defs; } ]
    ++ concatLists (map (collect file') (v.imports or [ ]));

  typeOf = v: if isAttrs v then v._type or null else null;
  isDerivation = v: isAttrs v && (v.type or null) == "derivation";

  # The definitions of one attribute, as lib.evalModules merges an
  # attribute of a free-form `attrsOf anything`: properties discharged over
  # the definitions of this attribute (mkIf conditions, mkMerge, mkOrder),
  # only those of the highest priority kept (mkDefault or mkForce on a whole
  # set keeps or drops the set as one definition), then attribute sets
  # merged name by name and anything else as a leaf.
  discharge = prio: order: v:
    let t = typeOf v; in
    if t == "merge" then concatLists (map (discharge prio order) v.contents)
    else if t == "if" then (if v.condition then discharge prio order v.content else [ ])
    else if t == "override" then discharge v.priority order v.content
    else if t == "order" then discharge prio v.priority v.content
    else [ { inherit prio order; value = v; } ];

  isSet = v: isAttrs v && typeOf v == null && !isDerivation v;

  # A module's own `config`: properties over it move into its attributes
  # (nixpkgs' pushDownProperties), so the names a module defines are known
  # without evaluating a condition that reads `config`.
  pushDown = v:
    let t = typeOf v; in
    if t == "merge" then concatLists (map pushDown v.contents)
    else if t == "if" then map (mapAttrs (_: lib.mkIf v.condition)) (pushDown v.content)
    else if t == "override" then map (mapAttrs (_: lib.mkOverride v.priority)) (pushDown v.content)
    else if t == "order" then map (mapAttrs (_: lib.mkOrder v.priority)) (pushDown v.content)
    else [ v ];

  mergeLeaf = name: values:
    # One definition is its value (a function too, which `==` never equals).
    if builtins.length values == 1 then head values
    else if all isList values then concatLists values
    else if all (v: v == head values) values then head values
    else if all isString values then concatStringsSep "\n" values
    else throw "The option `${name}' has conflicting definition values (fake nixpkgs)";

  # The definitions left of `raw`: properties discharged, the highest
  # priority kept, in order.
  valuesOf = raw:
    let
      ds = concatLists (map (discharge 100 1000) raw);
      best = foldl' (m: d: if d.prio < m then d.prio else m) 100000 ds;
    in
    map (d: d.value) (sort (a: b: a.order < b.order) (filter (d: d.prio == best) ds));

  # An attribute none of whose definitions is left (`mkIf false`) is not
  # there, as with attrsOf.
  mergeValues = loc: values:
    if values != [ ] && all isSet values then
      let
        zipped = zipAttrsWith (_: valuesOf) values;
        names = filter (n: zipped.${n} != [ ]) (builtins.attrNames zipped);
      in
      builtins.listToAttrs (map (n: { name = n; value = mergeValues (loc ++ [ n ]) zipped.${n}; }) names)
    else if values == [ ] then throw "fake nixpkgs: the option `${concatStringsSep "." loc}' has no definition"
    else mergeLeaf (concatStringsSep "." loc) values;

  merge = loc: raw: mergeValues loc (valuesOf raw);

  collected = concatLists (map (collect "<module>") (baseModules ++ modules));
  # At the top, names stay lazy (no condition evaluated to know them): a
  # module's `mkIf config.… { … }` reads `config` itself.
  config = zipAttrsWith (n: merge [ n ]) (concatLists (map (m: pushDown m.defs) collected));

  # The configuration as data for config.json: derivations by name,
  # functions as a word, definitions that fail left out.
  toData = v:
    if isDerivation v then "<derivation ${v.name}>"
    else if isAttrs v then
      mapAttrs (_: toData) (lib.filterAttrs (_: x: (tryEval x).success) v)
    else if isList v then map toData v
    else if isFunction v then "<function>"
    else if isPath v then toString v
    else v;

  test = config.nixunitsTest or { };
  toplevel = derivation {
    name = "nixos-system-${config.networking.hostName or "nixos"}-fake";
    inherit system;
    builder = "/bin/sh";
    PATH = "/usr/local/bin:/usr/bin:/bin";
    configJSON = toJSON (toData config);
    passAsFile = [ "configJSON" ];
    init = ../../init.sh;
    fail = if test.failBuild or false then "1" else "";
    seconds = toString (test.buildSeconds or 0);
    args = [
      "-ec"
      ''
        echo "fake nixos: building the system"
        if [ "$seconds" != 0 ]; then
          echo "fake nixos: taking $seconds s"
          sleep "$seconds"
        fi
        if [ -n "$fail" ]; then
          echo "fake nixos: failing as nixunitsTest.failBuild asks" >&2
          exit 1
        fi
        mkdir -p "$out/bin"
        cp "$configJSONPath" "$out/config.json"
        busybox=$(command -v busybox || true)
        if [ -z "$busybox" ]; then
          echo "fake nixos: busybox not found; install Debian's busybox-static" >&2
          exit 1
        fi
        cp "$busybox" "$out/bin/busybox"
        # The applets as commands (id, ip, ping6, …), as a system has them.
        for applet in $("$busybox" --list); do
          [ "$applet" = busybox ] || ln -s busybox "$out/bin/$applet"
        done
        # NixOS's switch, as `nixunits update` runs it inside: it records
        # the system it switched to.
        printf '#!%s/bin/busybox sh\necho "switched to %s ($1)" >> /var/log/switch.log\n' "$out" "$out" > "$out/bin/switch-to-configuration"
        chmod +x "$out/bin/switch-to-configuration"
        # The container has no /bin: the interpreter is the store's busybox.
        printf '#!%s/bin/busybox sh\n' "$out" > "$out/init"
        cat "$init" >> "$out/init"
        chmod +x "$out/init"
      ''
    ];
  };
in
{
  inherit config options;
  pkgs = pkgs';
  _module.args = args;
}
// { config = config // { system = (config.system or { }) // { build = (config.system.build or { }) // { inherit toplevel; }; }; }; }
