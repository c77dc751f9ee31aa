{ ... }:
{
  services.bitcoind.dbCache = 16384;
}
