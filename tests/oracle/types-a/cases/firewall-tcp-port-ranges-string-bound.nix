{ ... }: {
  networking.firewall.allowedTCPPortRanges = [ { from = "8999"; to = 9003; } ];
}
