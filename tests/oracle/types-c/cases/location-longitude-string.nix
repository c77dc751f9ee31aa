{ ... }: { location.longitude = "4.89"; }
