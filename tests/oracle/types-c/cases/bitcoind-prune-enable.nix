{ ... }: { services.bitcoind.prune = "enable"; }
