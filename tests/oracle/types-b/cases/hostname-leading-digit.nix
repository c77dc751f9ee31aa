{ ... }:
{
  networking.hostName = "1und1-vps";
}
