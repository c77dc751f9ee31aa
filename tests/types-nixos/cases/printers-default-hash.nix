{ ... }: {
  hardware.printers.ensureDefaultPrinter = "Office#2";
}
