{ lib, ... }: { services.taskserver.ciphers = lib.mkMerge [ "NORMAL" "-VERS-SSL3.0" ]; }
