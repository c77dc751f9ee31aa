{ ... }: {
  services.postgrey.socket = { path = "/run/postgrey/sock"; };
}
