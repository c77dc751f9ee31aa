{ ... }:
{
  nix.package = "nixUnstable";
}
