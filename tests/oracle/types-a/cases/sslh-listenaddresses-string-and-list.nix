{ ... }: {
  imports = [ ./lib/sslh-v6.nix ];
  services.sslh = { enable = true; listenAddresses = "0.0.0.0"; };
}
