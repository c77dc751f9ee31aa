{ ... }: { services.mpd = { enable = true; musicDirectory = "smb://"; }; }
