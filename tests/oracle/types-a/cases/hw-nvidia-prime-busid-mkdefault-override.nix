{ ... }: {
  imports = [ ./lib/focus-m2-prime.nix ];
  hardware.nvidia.prime.nvidiaBusId = "PCI:23:0:0";
}
