# A snippet split over files (tests/cli.rs, tests/build.rs, tests/lsp.rs):
# policy and schema apply to what the imported files define, and every bad
# import of every file is reported.
{
  imports = [
    ./parts/host.nix
    ./parts/missing.nix
    ../fake-nixpkgs/default.nix
  ];
  services.nginx.enable = true;
}
