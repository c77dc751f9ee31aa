{ ... }:
{
  services.openssh.ports = [ 22 2222 ];
}
