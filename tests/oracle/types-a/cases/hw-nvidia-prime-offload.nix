{ lib, ... }: {
  hardware.nvidia.prime = {
    offload.enable = lib.mkDefault true;
    intelBusId = "PCI:0:2:0";
    nvidiaBusId = "PCI:1:0:0";
  };
}
