{ ... }: { services.mysql.settings.mysqld.plugin-load-add = [ "server_audit" "ed25519=auth_ed25519" ]; }
