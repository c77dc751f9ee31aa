{ ... }: { hardware.bluetooth.config = { ControllerMode = "bredr"; }; }
