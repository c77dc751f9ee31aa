{ ... }: { services.mpd = { enable = true; musicDirectory = "ftp://nas/music"; }; }
