{ ... }:
{
  networking.hostName = "builder-";
}
