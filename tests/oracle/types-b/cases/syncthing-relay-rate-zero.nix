{ ... }:
{
  services.syncthing.relay.globalRateBps = 0;
}
