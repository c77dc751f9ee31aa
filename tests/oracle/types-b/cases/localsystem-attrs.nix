{ ... }:
{
  nixpkgs.localSystem = { system = "x86_64-linux"; };
}
