{ ... }:
{
  imports = [ ./lib/berlin-latitude.nix ];
  location.latitude = 52.520;
}
