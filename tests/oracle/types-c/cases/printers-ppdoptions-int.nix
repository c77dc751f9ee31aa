{ ... }: { hardware.printers.ensurePrinters = [ { name = "Laser"; deviceUri = "ipp://printer.local/ipp/print"; model = "everywhere"; ppdOptions = { Copies = 2; }; } ]; }
