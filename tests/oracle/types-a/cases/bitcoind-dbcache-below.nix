{ ... }: {
  services.bitcoind = { enable = true; dbCache = 3; };
}
