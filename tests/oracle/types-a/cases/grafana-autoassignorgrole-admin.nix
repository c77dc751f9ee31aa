{ ... }: {
  services.grafana = { enable = true; users.autoAssignOrgRole = "Admin"; };
}
