{ ... }: { hardware.printers.ensureDefaultPrinter = "BrotherHL_Workroom"; }
