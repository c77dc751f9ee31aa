{ ... }: { services.mpd = { enable = true; playlistDirectory = "playlists"; }; }
