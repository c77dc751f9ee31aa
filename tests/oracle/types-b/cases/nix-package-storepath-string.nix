{ pkgs, ... }:
{
  nix.package = "${pkgs.hello}";
}
