{ ... }: {
  services.picom = { enable = true; fade = true; fadeSteps = [ 0.04 ]; };
}
