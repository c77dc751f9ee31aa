{ ... }:
{
  networking.hostName = "NAS";
}
