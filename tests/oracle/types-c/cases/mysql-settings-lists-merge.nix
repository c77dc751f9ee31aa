{ lib, ... }: { services.mysql.settings.mysqld = lib.mkMerge [ { plugin-load-add = [ "server_audit" ]; } { plugin-load-add = [ "auth_ed25519" ]; } ]; }
