{ ... }: { services.nextcloud.logLevel = 5; }
