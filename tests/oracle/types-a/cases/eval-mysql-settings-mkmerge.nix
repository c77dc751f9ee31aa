{ lib, pkgs, ... }:
let ramGB = 8; in {
  services.mysql = {
    enable = true;
    package = pkgs.mariadb;
    settings.mysqld = lib.mkMerge [
      { innodb_buffer_pool_size = "${toString (ramGB / 2)}G"; max_connections = 100 + 50; }
      (lib.mkIf true { slow_query_log = true; })
      (lib.mkIf false { max_connections = 10; })
    ];
  };
}
