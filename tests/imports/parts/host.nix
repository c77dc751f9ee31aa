# Imported by main.nix: sets what the policy keeps from snippets.
{ ... }:
{
  imports = [ ./deeper.nix ./gone.nix ];
  networking.hostName = "x";
  boot.kernelModules = [ "y" ];
}
