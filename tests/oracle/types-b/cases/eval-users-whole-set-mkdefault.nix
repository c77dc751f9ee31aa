{ lib, ... }:
{
  users.users.deploy = lib.mkMerge [
    (lib.mkDefault {
      description = "Deployment user";
      home = "/srv/deploy";
      createHome = true;
      isSystemUser = true;
    })
    { description = "CI deploy user"; }
  ];
}
