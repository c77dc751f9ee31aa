{ ... }:
{
  services.openssh.permitRootLogin = "no";
}
