{ ... }: {
  networking.defaultGateway = { gateway = "192.168.1.1"; interface = "eth0"; };
}
