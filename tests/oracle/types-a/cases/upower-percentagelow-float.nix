{ ... }: {
  services.upower = { enable = true; percentageLow = 7.5; };
}
