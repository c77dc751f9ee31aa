# HAProxy in front of two web servers.
{ ... }:
{
  services.haproxy = {
    enable = true;
    config = ''
      defaults
        mode http
        timeout connect 5s
        timeout client 30s
        timeout server 30s
      frontend web
        bind :::80 v4v6
        default_backend app
      backend app
        balance roundrobin
        server a [fc00::1:2]:80 check
        server b [fc00::2:2]:80 check
    '';
  };
  networking.firewall.allowedTCPPorts = [ 80 ];
}
