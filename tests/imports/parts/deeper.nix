# Imported by host.nix, itself imported by main.nix.
{ lib, ... }:
{
  services.nginx.enable = lib.mkDefault "yes";
  security.wrappers.ping.source = "/bin/ping";
}
