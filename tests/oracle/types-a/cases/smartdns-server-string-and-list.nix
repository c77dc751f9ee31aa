{ ... }: {
  imports = [ ./lib/smartdns-upstreams.nix ];
  services.smartdns = { enable = true; settings.server = "9.9.9.9"; };
}
