{ ... }: {
  services.postgrey.socket = { mode = "0700"; };
}
