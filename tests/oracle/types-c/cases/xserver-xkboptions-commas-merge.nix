{ lib, ... }: { services.xserver.xkbOptions = lib.mkMerge [ "grp:caps_toggle" "ctrl:nocaps" ]; }
