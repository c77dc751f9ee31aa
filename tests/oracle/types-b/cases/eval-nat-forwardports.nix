{ ... }:
{
  networking.nat = {
    internalInterfaces = [ "ve-+" ];
    forwardPorts = map (p: {
      sourcePort = p;
      destination = "10.0.0.2:${toString p}";
      proto = "tcp";
    }) [ 80 443 ];
  };
}
