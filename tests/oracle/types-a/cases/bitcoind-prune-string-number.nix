{ ... }: {
  services.bitcoind = { enable = true; prune = "550"; };
}
