{ ... }: {
  services.picom = { enable = true; inactiveOpacity = 1; };
}
