{ ... }: {
  services.postgrey = { enable = true; socket = { path = "/run/postgrey.sock"; mode = "0770"; }; };
}
