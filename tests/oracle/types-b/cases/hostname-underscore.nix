{ ... }:
{
  networking.hostName = "media_box";
}
