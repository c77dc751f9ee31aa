//! The names Nix puts in scope before any file: `true`, `import`, `map`,
//! `__add`, … (the base environment of `EvalState`).
//!
//! The 2.8 list was read off Nix 2.8 itself: every attribute of `builtins`,
//! and the one of `x` / `__x` that `nix-instantiate --parse` accepts as a
//! bare variable (`globals_match_nix` in `tests/parity.rs` checks it again).

use crate::version::NixVersion;

/// The global names of Nix 2.8, sorted.
pub const GLOBALS_2_8: &[&str] = &[
    "__add",
    "__addErrorContext",
    "__all",
    "__any",
    "__appendContext",
    "__attrNames",
    "__attrValues",
    "__bitAnd",
    "__bitOr",
    "__bitXor",
    "__catAttrs",
    "__ceil",
    "__compareVersions",
    "__concatLists",
    "__concatMap",
    "__concatStringsSep",
    "__currentSystem",
    "__currentTime",
    "__deepSeq",
    "__div",
    "__elem",
    "__elemAt",
    "__fetchurl",
    "__filter",
    "__filterSource",
    "__findFile",
    "__floor",
    "__foldl'",
    "__fromJSON",
    "__functionArgs",
    "__genList",
    "__genericClosure",
    "__getAttr",
    "__getContext",
    "__getEnv",
    "__groupBy",
    "__hasAttr",
    "__hasContext",
    "__hashFile",
    "__hashString",
    "__head",
    "__intersectAttrs",
    "__isAttrs",
    "__isBool",
    "__isFloat",
    "__isFunction",
    "__isInt",
    "__isList",
    "__isPath",
    "__isString",
    "__langVersion",
    "__length",
    "__lessThan",
    "__listToAttrs",
    "__mapAttrs",
    "__match",
    "__mul",
    "__nixPath",
    "__nixVersion",
    "__parseDrvName",
    "__partition",
    "__path",
    "__pathExists",
    "__readDir",
    "__readFile",
    "__replaceStrings",
    "__seq",
    "__sort",
    "__split",
    "__splitVersion",
    "__storeDir",
    "__storePath",
    "__stringLength",
    "__sub",
    "__substring",
    "__tail",
    "__toFile",
    "__toJSON",
    "__toPath",
    "__toXML",
    "__trace",
    "__tryEval",
    "__typeOf",
    "__unsafeDiscardOutputDependency",
    "__unsafeDiscardStringContext",
    "__unsafeGetAttrPos",
    "__zipAttrsWith",
    "abort",
    "baseNameOf",
    "builtins",
    "derivation",
    "derivationStrict",
    "dirOf",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "null",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
    "true",
];

/// Names later versions added to the base environment.
const ADDED_LATER: &[(u16, &str)] = &[
    (10, "__traceVerbose"),
    (13, "break"),
    (14, "__fetchClosure"),
    (17, "__convertHash"),
    (19, "__addDrvOutputDependencies"),
    (23, "__warn"),
    (24, "__getFlake"),
    (24, "__parseFlakeRef"),
    (24, "__flakeRefToString"),
];

/// Whether `name` is defined before any binding in Nix `version`.
pub fn is_global(name: &str, version: NixVersion) -> bool {
    GLOBALS_2_8.binary_search(&name).is_ok()
        || ADDED_LATER
            .iter()
            .any(|&(minor, n)| n == name && version >= NixVersion { major: 2, minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_versioned() {
        assert!(GLOBALS_2_8.windows(2).all(|w| w[0] < w[1]));
        assert!(is_global("builtins", NixVersion::V2_8));
        assert!(is_global("__sub", NixVersion::V2_8));
        assert!(!is_global("break", NixVersion::V2_8));
        assert!(is_global("break", NixVersion::CURRENT));
    }
}
