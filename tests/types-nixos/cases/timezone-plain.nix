{ ... }: {
  time.timeZone = "Europe/Berlin";
}
