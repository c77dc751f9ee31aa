{ ... }: { programs.zsh.shellAliases = { gs = [ "git" "status" ]; }; }
