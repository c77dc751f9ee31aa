{ ... }: { services.mysql.settings.mysqld.long_query_time = 0.5; }
