{ ... }: {
  services.samba.shares.media."max connections" = 20;
}
