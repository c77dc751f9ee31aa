{ lib, ... }: { services.phpfpm.pools.mypool = { user = "php"; group = "php"; phpOptions = lib.mkMerge [ "memory_limit = 256M" "upload_max_filesize = 64M" ]; }; }
