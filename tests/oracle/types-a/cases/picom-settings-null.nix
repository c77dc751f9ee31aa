{ ... }: {
  services.picom = {
    enable = true;
    settings = { corner-radius = 8; shadow-exclude = null; };
  };
}
