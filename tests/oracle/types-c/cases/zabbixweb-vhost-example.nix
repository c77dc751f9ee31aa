{ ... }: { services.zabbixWeb.virtualHost = { hostName = "zabbix.example.org"; adminAddr = "webmaster@example.org"; forceSSL = true; enableACME = true; }; }
