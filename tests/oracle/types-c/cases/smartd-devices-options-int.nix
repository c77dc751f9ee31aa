{ ... }: { services.smartd.devices = [ { device = "/dev/sda"; options = 1; } ]; }
