{ ... }:
{
  location.latitude = 52 + 31 / 60;
}
