{ lib, ... }:
{
  systemd.services.api = lib.mkMerge [
    {
      description = lib.mkDefault "API server";
      serviceConfig.Nice = 5;
    }
    (lib.mkIf true {
      description = "Public API";
      environment.MODE = "prod";
    })
    (lib.mkIf false {
      environment.MODE = "dev";
    })
  ];
}
