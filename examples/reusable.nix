# One file for many containers: the id and the unit's properties come in as
# module arguments.
#   nixunits build pg-a -cf examples/reusable.nix -6
#   nixunits build pg-b -cf examples/reusable.nix -6
{ id, lib, properties ? { }, ... }:
{
  services.postgresql = {
    enable = true;
    settings = {
      cluster_name = id;
      port = properties.port or 5432;
    };
  };
  environment.etc."motd".text = "container ${id}\n";
  networking.firewall.allowedTCPPorts = lib.optional (properties ? port) properties.port;
}
