{ ... }:
{
  services.corerad.settings.debug = { address = "localhost:9430"; prometheus = true; };
}
