{ ... }: {
  services.monero.limits.upload = -5;
}
