{ lib, ... }: { services.mysql.settings.mysqld = lib.mkMerge [ { max_connections = 100; } { max_connections = 500; } ]; }
