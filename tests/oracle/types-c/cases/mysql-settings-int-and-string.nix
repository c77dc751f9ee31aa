{ lib, ... }: { services.mysql.settings.mysqld = lib.mkMerge [ { port = 3306; } { port = "3306"; } ]; }
