{ ... }: {
  services.postgrey = { enable = true; delay = -30; };
}
