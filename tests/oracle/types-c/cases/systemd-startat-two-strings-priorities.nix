{ lib, ... }: { systemd.services.report = { script = "true"; startAt = lib.mkMerge [ (lib.mkDefault "daily") "weekly" ]; }; }
