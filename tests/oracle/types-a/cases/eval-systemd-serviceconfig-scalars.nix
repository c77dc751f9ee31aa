{ ... }:
let memMB = 512; in {
  systemd.services.web.serviceConfig = {
    RestartSec = 5;
    DynamicUser = true;
    MemoryMax = "${toString memMB}M";
  };
}
