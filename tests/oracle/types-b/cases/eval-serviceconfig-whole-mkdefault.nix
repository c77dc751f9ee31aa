{ lib, ... }:
{
  systemd.services.web.serviceConfig = lib.mkMerge [
    (lib.mkDefault { User = "web"; Group = "web"; })
    { User = "www"; DynamicUser = false; }
  ];
}
