{ ... }: {
  location = { latitude = 48; longitude = 11.6; };
}
