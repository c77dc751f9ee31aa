{ ... }: {
  services.xserver.xkbOptions = "compose:ralt";
}
