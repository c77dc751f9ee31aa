{ lib, ... }: { services.taskserver.ciphers = lib.mkMerge [ null "NORMAL" ]; }
