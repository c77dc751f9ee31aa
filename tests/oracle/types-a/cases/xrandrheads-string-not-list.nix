{ ... }: {
  services.xserver.xrandrHeads = "eDP-1";
}
