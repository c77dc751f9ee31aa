{ ... }: {
  networking.firewall.checkReversePath = "strict";
}
