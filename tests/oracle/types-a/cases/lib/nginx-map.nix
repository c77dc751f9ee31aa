{ ... }: {
  services.nginx.appendHttpConfig = ''
    map $http_upgrade $connection_upgrade { default upgrade; "" close; }
  '';
}
