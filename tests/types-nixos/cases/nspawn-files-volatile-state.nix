{ ... }: {
  systemd.nspawn.box.filesConfig.Volatile = "state";
}
