{ ... }: {
  services.picom.shadowOpacity = 0.5;
}
