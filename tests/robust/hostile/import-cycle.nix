# A value that imports a file that imports this one.
{ ... }:
{
  services.hostile.cycle = import ./import-cycle-other.nix;
}
