{ ... }: {
  networking.defaultGateway6 = { address = "2001:4d0:1e04:895::1"; interface = "enp3s0"; };
}
