{ ... }: { services.hitch.frontend = [ "[*]:443" "[::]:443" ]; }
