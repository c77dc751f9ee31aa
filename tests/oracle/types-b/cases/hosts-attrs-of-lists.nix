{ ... }:
{
  imports = [ ./lib/hosts-nas.nix ];
  networking.hosts = {
    "10.0.0.2" = [ "nas.lan" ];
    "10.0.0.3" = [ "printer.lan" ];
  };
}
