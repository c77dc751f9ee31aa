{ ... }: { services.xserver.xkbOptions = [ "grp:caps_toggle" "ctrl:nocaps" ]; }
