{ ... }: {
  services.thinkfan = {
    enable = true;
    levels = ''
      (0,     0,      55)
      (1,     48,     60)
      ("level auto", 80, 32767)
    '';
  };
}
