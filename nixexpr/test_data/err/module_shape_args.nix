{ config, secrets, ... }:
{
  services.nginx.enable = true;
}
