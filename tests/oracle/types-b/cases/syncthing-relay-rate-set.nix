{ ... }:
{
  services.syncthing.relay = {
    perSessionRateBps = 512 * 1024;
    globalRateBps = 10 * 1024 * 1024;
  };
}
