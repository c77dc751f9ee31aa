{ ... }: { programs.ssh.knownHosts = [ { hostNames = [ "gitlab.com" ]; publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf"; } ]; }
