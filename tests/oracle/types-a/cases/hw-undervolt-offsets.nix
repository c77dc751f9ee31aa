{ ... }: {
  services.undervolt = { enable = true; coreOffset = -100; gpuOffset = -50; temp = 95; };
}
