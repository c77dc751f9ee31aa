{ lib, ... }: {
  systemd.services = lib.genAttrs [ "worker-1" "worker-2" ] (name: {
    description = "Queue worker ${name}";
    environment.WORKER_ID = builtins.substring (builtins.stringLength "worker-") 1 name;
  });
}
