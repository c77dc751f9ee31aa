{ ... }:
{
  networking.hosts."192.168.1.10" = "nas.lan";
}
