{ ... }: {
  networking.nat = {
    enable = true;
    externalInterface = "eth0";
    forwardPorts = [ { sourcePort = "60000-61000"; destination = "10.0.0.1:60000-61000"; proto = "udp"; } ];
  };
}
