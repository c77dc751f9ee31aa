{ lib, ... }:
let servers = [ "primary" "replica1" "replica2" ]; in {
  services.db.primary = builtins.head servers;
  services.db.replicas = builtins.tail servers;
  services.db.count = builtins.length servers;
}
