{ ... }: { hardware.printers.ensureDefaultPrinter = "Laser#2"; }
