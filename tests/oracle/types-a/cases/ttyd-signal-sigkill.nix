{ ... }: {
  services.ttyd = { enable = true; signal = 9; };
}
