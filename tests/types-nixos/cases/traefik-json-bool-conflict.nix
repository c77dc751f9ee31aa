{ lib, ... }: {
  services.traefik.dynamicConfigOptions = lib.mkMerge [ { api.insecure = true; } { api.insecure = false; } ];
}
