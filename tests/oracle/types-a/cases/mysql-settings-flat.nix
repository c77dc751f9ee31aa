{ pkgs, ... }: {
  services.mysql = {
    enable = true;
    package = pkgs.mariadb;
    settings = { innodb_buffer_pool_size = "2G"; };
  };
}
