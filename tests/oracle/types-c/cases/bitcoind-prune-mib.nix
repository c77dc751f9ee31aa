{ ... }: { services.bitcoind.prune = 10000; }
