{ ... }: { services.mpd = { enable = true; musicDirectory = "nfs://192.168.1.10/export/music"; }; }
