{ ... }: { services.smartd.devices = [ { device = "/dev/sda"; } { device = "/dev/sdb"; options = "-d sat"; } ]; }
