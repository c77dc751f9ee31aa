{ ... }: {
  services.grafana = {
    enable = true;
    extraOptions = {
      AUTH_ANONYMOUS_ENABLED = true;
      AUTH_ANONYMOUS_ORG_ROLE = "Viewer";
    };
  };
}
