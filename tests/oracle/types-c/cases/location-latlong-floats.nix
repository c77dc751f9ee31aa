{ ... }: { location = { latitude = 52.37; longitude = -4.89; }; }
