{ lib, ... }: {
  services.grafana = {
    enable = true;
    extraOptions = {
      AUTH_ANONYMOUS_ENABLED = lib.boolToString true;
      AUTH_ANONYMOUS_ORG_ROLE = "Viewer";
    };
  };
}
