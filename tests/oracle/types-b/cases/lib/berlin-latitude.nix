{ ... }:
{
  location.latitude = 52.52;
}
