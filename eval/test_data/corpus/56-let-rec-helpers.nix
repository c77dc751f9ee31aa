{ lib, ... }:
let
  mkVhost = name: { serverName = name; root = "/srv/${name}"; };
  names = [ "x.org" "y.org" ];
in {
  services.nginx.virtualHosts = builtins.listToAttrs (map (n: lib.nameValuePair n (mkVhost n)) names);
}
