{ ... }:
{
  imports = [ ./lib/bitcoind-prune-1.nix ];
  services.bitcoind.prune = "manual";
}
