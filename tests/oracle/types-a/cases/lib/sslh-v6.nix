{ ... }: {
  services.sslh.listenAddresses = [ "[::]" ];
}
