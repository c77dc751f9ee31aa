{ ... }: { services.zabbixWeb.virtualHost = { hostName = "zabbix.example.org"; serverName = "zabbix.example.org"; }; }
