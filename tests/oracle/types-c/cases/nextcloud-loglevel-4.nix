{ ... }: { services.nextcloud.logLevel = 4; }
