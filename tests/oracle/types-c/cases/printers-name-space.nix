{ ... }: { hardware.printers.ensurePrinters = [ { name = "Brother HL"; deviceUri = "ipp://printer.local/ipp/print"; model = "everywhere"; } ]; }
