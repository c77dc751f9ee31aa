{ ... }:
{
  nix.optimise = {
    automatic = true;
    dates = "03:45";
  };
}
