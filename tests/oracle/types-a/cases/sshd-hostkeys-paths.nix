{ ... }: {
  services.openssh = {
    enable = true;
    hostKeys = [ "/etc/ssh/ssh_host_ed25519_key" ];
  };
}
