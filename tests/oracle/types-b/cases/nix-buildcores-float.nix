{ ... }:
{
  nix.buildCores = 2.0;
}
