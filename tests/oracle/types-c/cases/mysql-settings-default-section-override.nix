{ lib, ... }: { services.mysql.settings.mysqld = lib.mkMerge [ (lib.mkDefault { bind-address = "127.0.0.1"; max_connections = 100; }) { max_connections = 500; } ]; }
