{ ... }: {
  services.xserver = { layout = "us"; xkbOptions = [ "ctrl:nocaps" "compose:ralt" ]; };
}
