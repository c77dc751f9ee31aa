{ ... }: { hardware.printers.ensurePrinters = [ { name = "office/laser"; deviceUri = "ipp://printer.local/ipp/print"; model = "everywhere"; } ]; }
