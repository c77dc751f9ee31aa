{ ... }: {
  systemd.nspawn.box.execConfig.Boot = true;
}
