{ ... }: {
  services.samba.shares.media.browseable = true;
}
