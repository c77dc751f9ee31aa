{ ... }: {
  location = { latitude = 48.1; longitude = "11.6"; };
}
