{ ... }: { services.bitcoind.dbCache = 2; }
