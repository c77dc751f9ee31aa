{ ... }: {
  networking.firewall.checkReversePath = "loose";
}
