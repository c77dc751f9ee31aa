{ ... }: {
  services.sslh = { enable = true; listenAddresses = "0.0.0.0"; port = 443; };
}
