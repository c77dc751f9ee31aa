{ ... }:
{
  imports = [ ./lib/sysctl-defaults.nix ];
  boot.kernel.sysctl."vm.swappiness" = 10;
}
