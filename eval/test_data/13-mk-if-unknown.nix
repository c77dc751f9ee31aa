{ config, lib, ... }: { services.x = lib.mkIf config.services.y.enable { enable = true; }; }
