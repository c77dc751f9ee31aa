{ ... }: { services.bitcoind.prune = -1; }
