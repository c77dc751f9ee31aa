{ id, network, properties ? { }, lib, pkgs, ... }@args:
let
  port = properties.port or 8080;
in
{
  services.nginx = {
    enable = true;
    virtualHosts.${id}.listen = [ { addr = "[::]"; inherit port; } ];
  };
  environment.etc."args".text = builtins.toJSON (builtins.attrNames args);
}
