{ lib, ... }: { services.part.enable = true; services.part.port = lib.mkDefault 9000; }
