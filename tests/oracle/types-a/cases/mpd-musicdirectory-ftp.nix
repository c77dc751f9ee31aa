{ ... }: {
  services.mpd = { enable = true; musicDirectory = "ftp://nas.local/music"; };
}
