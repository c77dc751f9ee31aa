{ ... }:
{
  networking.hosts."10.0.0.2" = [ "nas" ];
}
