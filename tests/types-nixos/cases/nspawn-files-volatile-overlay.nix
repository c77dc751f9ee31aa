{ ... }: {
  systemd.nspawn.box.filesConfig.Volatile = "overlay";
}
