{ ... }: {
  services.openssh = {
    enable = true;
    listenAddresses = [ { addr = "192.168.3.1"; port = 22; } { addr = "0.0.0.0"; port = 64022; } ];
  };
}
