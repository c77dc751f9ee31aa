{ ... }: {
  services.mpd = { enable = true; musicDirectory = "nfs://nas.local/export/music"; };
}
