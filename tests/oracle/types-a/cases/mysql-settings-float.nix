{ pkgs, ... }: {
  services.mysql = {
    enable = true;
    package = pkgs.mariadb;
    settings.mysqld = {
      slow_query_log = true;
      long_query_time = 0.5;
    };
  };
}
