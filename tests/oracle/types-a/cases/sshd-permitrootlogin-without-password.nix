{ ... }: {
  services.openssh = { enable = true; permitRootLogin = "without-password"; };
}
