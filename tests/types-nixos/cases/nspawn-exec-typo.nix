{ ... }: {
  systemd.nspawn.box.execConfig.Bootable = true;
}
