{ ... }: {
  services.picom = { enable = true; refreshRate = 59.94; };
}
