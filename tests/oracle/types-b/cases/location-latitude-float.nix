{ ... }:
{
  location.latitude = -33.87;
  location.longitude = 151.21;
}
