{ ... }: {
  networking.firewall.pingLimit = "--limit-burst 5";
}
