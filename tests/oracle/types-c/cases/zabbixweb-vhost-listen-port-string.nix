{ ... }: { services.zabbixWeb.virtualHost = { hostName = "zabbix.example.org"; listen = [ { ip = "*"; port = "8080"; } ]; }; }
