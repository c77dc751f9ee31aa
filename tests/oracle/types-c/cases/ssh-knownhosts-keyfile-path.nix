{ ... }: { programs.ssh.knownHosts.myhost = { hostNames = [ "myhost" ]; publicKeyFile = "/etc/ssh/ssh_host_ed25519_key.pub"; }; }
