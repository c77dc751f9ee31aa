{ ... }: { hardware.bluetooth.config = { General = { ControllerMode = "bredr"; FastConnectable = true; DiscoverableTimeout = 0; }; Policy.AutoEnable = true; }; }
