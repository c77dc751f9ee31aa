{ lib, id, network, ... }:
{
  services.app.name = "app-${id}";
  services.app.listen = network.ip6 or "::";
}
