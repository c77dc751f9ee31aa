{ lib, ... }: { power.ups.ups.myups = lib.mkMerge [ { driver = "usbhid-ups"; port = "auto"; maxStartDelay = 60; } { maxStartDelay = 60; } ]; }
