{ ... }: { services.taskserver.ciphers = [ "NORMAL" "-VERS-SSL3.0" ]; }
