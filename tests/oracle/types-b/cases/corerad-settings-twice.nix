{ ... }:
{
  imports = [ ./lib/corerad-debug.nix ];
  services.corerad.settings = {
    interfaces = [ { name = "eth0"; monitor = true; } ];
  };
}
