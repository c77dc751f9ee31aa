# Every schema case issue 13 names, against the fixture schema.
{ lib, ... }: {
  # Below attrsOf (submodule …): a wrong type, a misspelt option.
  services.nginx.virtualHosts.x.forceSSL = "no";
  services.nginx.virtualHosts.x.roott = "/srv";
  services.nginx.virtualHosts."a.example".root = "/srv/a";
  services.redis.servers.x.port = 70000;
  users.users.x.isNormalUser = 1;
  # listOf (submodule …): each element's fields; a list of the wrong
  # element type names the element and its index.
  services.nginx.virtualHosts.x.listen = [
    { addr = "0.0.0.0"; port = 80; }
    { addr = "[::]"; port = "443"; sll = true; }
  ];
  networking.firewall.allowedTCPPorts = [ 80 "443" ];
  # Renamed (NixOS takes it with a warning), through to the new option's
  # type; removed (an assertion in NixOS).
  services.gitlab.stateDir = "/srv/gitlab";
  services.clamav.updater.config = 1;
  services.cgmanager.enable = true;
}
