{ ... }: { power.ups.ups.myups = { driver = "usbhid-ups"; port = "auto"; maxStartDelay = null; }; }
