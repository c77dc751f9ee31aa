{ lib, ... }: { services.hitch.frontend = lib.mkMerge [ [ "[*]:443" ] [ "[::]:443" ] ]; }
