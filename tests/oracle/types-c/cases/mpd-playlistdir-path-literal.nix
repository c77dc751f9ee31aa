{ ... }: { services.mpd = { enable = true; playlistDirectory = /var/lib/mpd/playlists; }; }
