{ ... }:
{
  services.openssh = {
    enable = true;
    ports = [ "55502" ];
  };
}
