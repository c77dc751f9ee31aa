{ ... }: {
  services.picom = {
    enable = true;
    settings = {
      blur = { method = "gaussian"; size = 10; deviation = 5.0; };
      blur-background-exclude = [ "window_type = 'dock'" "window_type = 'desktop'" ];
      corner-radius = 8;
    };
  };
}
