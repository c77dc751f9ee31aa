{ ... }: { services.bitcoind.prune = "manual"; }
