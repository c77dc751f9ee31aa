{ ... }: { programs.zsh.shellAliases = { ll = "ls -l"; l = null; nixconf = /etc/nixos/configuration.nix; }; }
