{ ... }: {
  services.xserver.xrandrHeads = [ { output = "DP-1"; primary = true; position = "0x0"; } ];
}
