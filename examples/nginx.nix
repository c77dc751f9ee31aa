# A static site behind nginx.
{ pkgs, lib, ... }:
let
  root = pkgs.writeTextDir "index.html" ''
    <!doctype html>
    <title>nixunits</title>
    <p>served from a container</p>
  '';
in
{
  services.nginx = {
    enable = true;
    recommendedGzipSettings = true;
    recommendedOptimisation = true;
    virtualHosts."default" = {
      default = true;
      inherit root;
      locations."/healthz".return = "200 'ok'";
      extraConfig = lib.mkDefault ''
        add_header X-Served-By nixunits;
      '';
    };
  };
  networking.firewall.allowedTCPPorts = [ 80 ];
}
