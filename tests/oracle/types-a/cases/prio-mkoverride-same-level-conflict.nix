{ lib, ... }: {
  imports = [ ./lib/nginx-body-size-900.nix ];
  services.nginx = { enable = true; clientMaxBodySize = lib.mkOverride 900 "64m"; };
}
