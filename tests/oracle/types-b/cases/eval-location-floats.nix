{ ... }:
{
  location.latitude = 105 / 2.0;
  location.longitude = 13.0 + 0.405;
}
