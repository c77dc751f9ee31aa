{ ... }: {
  networking.firewall.checkReversePath = "no";
}
