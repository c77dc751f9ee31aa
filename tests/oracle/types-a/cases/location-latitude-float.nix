{ ... }: {
  location = { latitude = 52.52; longitude = 13.405; };
  services.redshift.enable = true;
}
