{ ... }: {
  networking.nat = {
    enable = true;
    externalInterface = "eth0";
    forwardPorts = [ { sourcePort = "2222"; destination = "10.0.0.2:22"; } ];
  };
}
