{ ... }:
{
  services.bitcoind.prune = "auto";
}
