{ ... }: {
  services.bitcoind = { enable = true; prune = "manual"; };
}
