{ ... }: {
  services.picom.fadeSteps = [ 0.03 0.03 0.03 ];
}
