{ ... }: {
  services.monero.limits.upload = -1;
}
