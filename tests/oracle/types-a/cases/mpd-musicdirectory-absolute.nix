{ ... }: {
  services.mpd = { enable = true; musicDirectory = "/mnt/media/music"; };
}
