{ ... }:
{
  boot.loader.timeout = null;
}
