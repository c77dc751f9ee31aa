{ lib, ... }: { services.phpfpm.pools.mypool = { user = "php"; group = "php"; settings = { "pm.max_children" = 32; "pm.process_idle_timeout" = lib.mkIf false 10.5; }; }; }
