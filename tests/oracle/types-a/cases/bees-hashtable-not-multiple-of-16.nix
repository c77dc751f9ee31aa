{ ... }: {
  services.beesd.filesystems.root = { spec = "LABEL=root"; hashTableSizeMB = 1000; };
}
