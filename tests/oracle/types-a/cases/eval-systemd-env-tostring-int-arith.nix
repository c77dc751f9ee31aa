{ ... }:
let basePort = 8000; cores = 2; in {
  systemd.services.web.environment = {
    PORT = toString (basePort + 80);
    WORKERS = toString (cores * 2 + 1);
  };
}
