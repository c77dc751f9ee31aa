{ ... }: {
  systemd.nspawn.box.networkConfig.Private = "sometimes";
}
