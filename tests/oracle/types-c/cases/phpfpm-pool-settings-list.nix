{ ... }: { services.phpfpm.pools.mypool = { user = "php"; group = "php"; settings = { "listen.acl_users" = [ "nginx" "php" ]; }; }; }
