{ ... }:
{
  services.kresd.instances = "2";
}
