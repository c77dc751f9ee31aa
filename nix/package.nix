# The nixunits package: the binary, and beside it the Nix files it builds
# with (share/nixunits/nix, its default --nix-dir) and the template unit.
{ lib, rustPlatform, nix, installShellFiles }:
let
  cargo = builtins.fromTOML (builtins.readFile ../Cargo.toml);
in
rustPlatform.buildRustPackage {
  pname = "nixunits";
  version = cargo.workspace.package.version;
  src = lib.cleanSourceWith {
    src = ../.;
    filter = path: _type: !(lib.hasSuffix "/target" path);
  };
  cargoLock.lockFile = ../Cargo.lock;
  cargoBuildFlags = [ "--package" "nixunits" ];

  # The tests that run in the build sandbox: unit tests, the CLI contract
  # and the parity test (nix-instantiate needs no daemon to parse). The
  # build tests need a Nix store and the end-to-end tests a booted systemd:
  # they run in the repository's scripts/test and in the VM test.
  nativeCheckInputs = [ nix ];
  cargoTestFlags = [ "--workspace" "--lib" "--test" "cli" "--test" "parity" ];
  preCheck = ''
    export HOME=$TMPDIR NIX_STATE_DIR=$TMPDIR/nix-state NIX_STORE_DIR=$TMPDIR/nix-store
  '';

  nativeBuildInputs = [ installShellFiles ];
  postInstall = ''
    mkdir -p $out/share/nixunits/nix
    cp nix/default.nix nix/system.nix nix/systems.nix nix/share.nix nix/container.nix nix/lib.nix nix/module.nix nix/versions.nix "nix/nixunits@.service" $out/share/nixunits/nix/
    installShellCompletion --cmd nixunits \
      --bash <($out/bin/nixunits completions bash) \
      --zsh <($out/bin/nixunits completions zsh) \
      --fish <($out/bin/nixunits completions fish)
    $out/bin/nixunits man --out-dir man
    installManPage man/*.1
  '';

  meta = {
    description = "NixOS services in hardened systemd-nspawn containers, without a host rebuild";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "nixunits";
  };
}
