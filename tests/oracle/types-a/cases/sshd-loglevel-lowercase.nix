{ ... }: {
  services.openssh = { enable = true; logLevel = "verbose"; };
}
