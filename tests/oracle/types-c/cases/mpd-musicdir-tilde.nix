{ ... }: { services.mpd = { enable = true; musicDirectory = "~/Music"; }; }
