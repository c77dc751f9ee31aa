{ ... }: { programs.ssh.knownHosts.myhost = { hostNames = "myhost.example.org"; publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf"; }; }
