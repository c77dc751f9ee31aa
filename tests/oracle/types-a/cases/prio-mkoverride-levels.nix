{ lib, ... }: {
  imports = [ ./lib/nginx-body-size-default.nix ];
  services.nginx = { enable = true; clientMaxBodySize = lib.mkOverride 900 "64m"; };
}
