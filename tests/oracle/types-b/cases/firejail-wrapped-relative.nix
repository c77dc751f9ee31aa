{ ... }:
{
  programs.firejail = {
    enable = true;
    wrappedBinaries.mpv = "bin/mpv";
  };
}
