{ ... }: { services.mysql.settings = { mysqld = { key_buffer_size = "6G"; table_cache = 1600; log-error = "/var/log/mysql_err.log"; skip-name-resolve = true; }; }; }
