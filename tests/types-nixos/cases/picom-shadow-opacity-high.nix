{ ... }: {
  services.picom.shadowOpacity = 1.5;
}
