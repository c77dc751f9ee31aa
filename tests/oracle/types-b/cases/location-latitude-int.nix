{ ... }:
{
  location = {
    provider = "manual";
    latitude = 52;
    longitude = 13.4;
  };
}
