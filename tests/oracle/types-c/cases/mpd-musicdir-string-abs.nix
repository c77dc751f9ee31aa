{ ... }: { services.mpd = { enable = true; musicDirectory = "/mnt/music"; }; }
