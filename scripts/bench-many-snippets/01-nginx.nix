# A static site behind nginx, with the recommended settings.
{ pkgs, ... }:
{
  services.nginx = {
    enable = true;
    recommendedGzipSettings = true;
    recommendedOptimisation = true;
    virtualHosts."www" = {
      default = true;
      root = pkgs.writeTextDir "index.html" "<!doctype html><p>hello</p>";
      locations."/healthz".return = "200 'ok'";
    };
  };
  networking.firewall.allowedTCPPorts = [ 80 ];
}
