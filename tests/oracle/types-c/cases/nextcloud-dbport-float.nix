{ ... }: { services.nextcloud.config.dbport = 5432.0; }
