{ ... }: {
  services.beesd.filesystems.root = { spec = "LABEL=root"; hashTableSizeMB = 2048; verbosity = "crit"; };
}
