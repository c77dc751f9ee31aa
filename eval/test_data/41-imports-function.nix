{ imports = [ ({ lib, ... }: { services.inline.enable = lib.mkDefault true; }) ]; }
