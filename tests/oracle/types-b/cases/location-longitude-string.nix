{ ... }:
{
  location.longitude = "13.40";
}
