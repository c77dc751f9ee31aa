{ ... }: {
  hardware.printers.ensureDefaultPrinter = "Office Printer";
}
