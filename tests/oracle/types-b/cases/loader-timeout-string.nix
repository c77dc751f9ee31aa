{ ... }:
{
  boot.loader.timeout = "10";
}
