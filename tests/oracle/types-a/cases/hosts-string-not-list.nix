{ ... }: {
  networking.hosts."192.168.0.2" = "fileserver.local";
}
