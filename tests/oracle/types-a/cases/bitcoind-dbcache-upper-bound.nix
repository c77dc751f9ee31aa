{ ... }: {
  services.bitcoind = { enable = true; dbCache = 16384; };
}
