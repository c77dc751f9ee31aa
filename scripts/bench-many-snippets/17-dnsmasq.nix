# dnsmasq answering for a local domain and forwarding the rest.
{ ... }:
{
  services.dnsmasq = {
    enable = true;
    resolveLocalQueries = false;
    servers = [ "2001:4860:4860::8888" ];
    extraConfig = ''
      domain=lan
      local=/lan/
      address=/gateway.lan/fc00::1
    '';
  };
  networking.firewall.allowedUDPPorts = [ 53 ];
}
