{ ... }: {
  networking.nat = {
    enable = true;
    externalInterface = "eth0";
    internalInterfaces = [ "ve-+" ];
    forwardPorts = [
      { sourcePort = 8080; destination = "10.0.0.1:80"; proto = "tcp"; }
      { sourcePort = "60000:61000"; destination = "10.0.0.1:60000-61000"; proto = "udp"; }
    ];
  };
}
