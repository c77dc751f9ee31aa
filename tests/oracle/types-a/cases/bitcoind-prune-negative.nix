{ ... }: {
  services.bitcoind = { enable = true; prune = -1; };
}
