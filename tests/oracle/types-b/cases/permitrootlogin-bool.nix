{ ... }:
{
  services.openssh.permitRootLogin = false;
}
