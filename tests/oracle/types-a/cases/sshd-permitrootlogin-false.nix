{ ... }: {
  services.openssh = { enable = true; permitRootLogin = false; };
}
