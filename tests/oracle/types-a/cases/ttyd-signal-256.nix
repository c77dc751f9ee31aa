{ ... }: {
  services.ttyd = { enable = true; signal = 256; };
}
