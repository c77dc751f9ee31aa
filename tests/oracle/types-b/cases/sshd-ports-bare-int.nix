{ ... }:
{
  services.openssh.ports = 2222;
}
