{ ... }:
{
  services.bitcoind.dbCache = 20000;
}
