# Imported by host.nix, itself imported by main.nix.
{ lib, ... }:
{
  services.nginx.user = lib.mkDefault 42;
  security.wrappers.ping.source = "/bin/ping";
}
