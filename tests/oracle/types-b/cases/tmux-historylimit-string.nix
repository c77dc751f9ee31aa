{ ... }:
{
  programs.tmux.historyLimit = "50k";
}
