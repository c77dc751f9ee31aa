{ ... }:
{
  networking.hostName = "web01.example.com";
}
