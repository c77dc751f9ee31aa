{ ... }: {
  services.postgrey = { enable = true; socket = { addr = "127.0.0.1"; port = 10030; }; };
}
