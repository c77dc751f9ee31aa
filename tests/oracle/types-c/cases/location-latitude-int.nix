{ ... }: { location.latitude = 52; }
