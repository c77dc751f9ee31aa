# `pkgs` of the tests' fake nixpkgs (see README.md): the builders nixunits'
# Nix files and the examples call, and cheap real derivations under the
# package names the examples use.
#
# `config.fakeVariant` (a string) renames every package, and `overlays`
# apply as nixpkgs' do (`self: super: { … }`): what a system's own
# `nixpkgs.*` changes shows in its derivations.
{ system ? builtins.currentSystem, config ? { }, overlays ? [ ], ... }:
let
  lib = import ./lib;
  # A real derivation built by the host's /bin/sh (a builder starts
  # without PATH).
  shell = name: env: script:
    let
      drv = derivation ((removeAttrs env [ "passthru" ]) // {
        inherit name system;
        builder = "/bin/sh";
        PATH = "/usr/local/bin:/usr/bin:/bin";
        args = [ "-ec" script ];
      });
    in
    drv // (env.passthru or { });
  variant = if config ? fakeVariant then "-${config.fakeVariant}" else "";
  package = name': let name = name' + variant; in shell name { } ''
    mkdir -p "$out/bin"
    echo ${name} > "$out/name"
  '';
  pkgs = {
    inherit lib system;
    path = ./.;
    stdenv.hostPlatform.system = system;
    runCommand = shell;
    writeText = name: text: shell name { inherit text; passAsFile = [ "text" ]; } ''
      cp "$textPath" "$out"
    '';
    writeTextDir = path: text: shell (baseNameOf path) { inherit text path; passAsFile = [ "text" ]; } ''
      mkdir -p "$out/$(dirname "$path")"
      cp "$textPath" "$out/$path"
    '';
    systemd = package "systemd-fake";
    systemdMinimal = package "systemd-minimal-fake";
    # The examples' packages.
    postgresql = package "postgresql-fake";
    postgresql_12 = package "postgresql-12-fake";
    postgresql_15 = package "postgresql-15-fake";
    mariadb = package "mariadb-fake";
    libmemcached = package "libmemcached-fake";
    htop = package "htop-fake";
    hello = package "hello-fake";
  };
  # Overlays over the set, in order (self is the final set).
  final = builtins.foldl' (super: o: super // o final super) pkgs overlays;
in
# `FAKE_NIXPKGS_TRACE_IMPORTS` set: each import says so on standard error,
# so that a test can count how many times an evaluation imports nixpkgs.
if builtins.getEnv "FAKE_NIXPKGS_TRACE_IMPORTS" == "" then final
else builtins.trace "fake-nixpkgs: imported" final
