{ ... }: {
  services.ttyd = { enable = true; signal = "SIGHUP"; };
}
