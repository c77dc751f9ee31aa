{ ... }: {
  services.bitcoind = { enable = true; prune = "disable"; };
}
