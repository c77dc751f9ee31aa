{ lib, ... }: { services.picom = { enable = true; wintypes = lib.mkMerge [ { tooltip = { fade = true; }; } { dock = { shadow = false; }; } ]; }; }
