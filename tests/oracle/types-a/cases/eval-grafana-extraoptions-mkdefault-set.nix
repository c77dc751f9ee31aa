{ lib, ... }: {
  services.grafana.enable = true;
  services.grafana.extraOptions = lib.mkMerge [
    (lib.mkDefault { AUTH_ANONYMOUS_ENABLED = "true"; AUTH_ANONYMOUS_ORG_ROLE = "Viewer"; })
    { AUTH_ANONYMOUS_ORG_ROLE = "Editor"; }
  ];
}
