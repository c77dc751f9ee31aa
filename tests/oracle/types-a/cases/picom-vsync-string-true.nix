{ ... }: {
  services.picom = { enable = true; vSync = "true"; };
}
