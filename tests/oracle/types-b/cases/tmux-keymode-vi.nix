{ ... }:
{
  programs.tmux = {
    enable = true;
    keyMode = "vi";
    historyLimit = 50000;
    clock24 = true;
  };
}
