{ ... }: {
  imports = [ ./lib/xkb-compose.nix ];
  services.xserver = { layout = "us"; xkbOptions = "ctrl:nocaps"; };
}
