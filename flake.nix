{
  description = "nixunits: NixOS services in hardened systemd-nspawn containers, without a host rebuild";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system:
        f (import nixpkgs { inherit system; overlays = [ self.overlays.default ]; }));
    in
    {
      overlays.default = final: prev: {
        nixunits = final.callPackage ./nix/package.nix { };
      };

      packages = forAll (pkgs: {
        nixunits = pkgs.nixunits;
        default = pkgs.nixunits;
      });

      nixosModules.default = {
        imports = [ ./nix/module.nix ];
        nixpkgs.overlays = [ self.overlays.default ];
      };

      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ pkgs.nixunits ];
          packages = with pkgs; [ cargo rustc clippy rustfmt nix busybox debootstrap ];
        };
      });

      checks = forAll (pkgs: {
        # The Rust tests that run in the build sandbox (see nix/package.nix).
        nixunits = pkgs.nixunits;
        vm = pkgs.testers.runNixOSTest (import ./nix/vm-test.nix { inherit self; });
      });
    };
}
