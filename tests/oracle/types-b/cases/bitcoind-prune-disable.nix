{ ... }:
{
  services.bitcoind.prune = "disable";
}
