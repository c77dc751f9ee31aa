{ ... }: {
  services.undervolt = { enable = true; coreOffset = "-100mV"; };
}
