{ ... }: {
  time.timeZone = "Europe/ Berlin";
}
