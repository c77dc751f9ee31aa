{ ... }: {
  boot.kernelParams = "quiet splash";
}
