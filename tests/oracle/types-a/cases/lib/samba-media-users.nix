{ ... }: {
  services.samba.shares.media."valid users" = " bob";
}
