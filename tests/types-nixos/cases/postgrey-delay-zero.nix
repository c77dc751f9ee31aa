{ ... }: {
  services.postgrey.delay = 0;
}
