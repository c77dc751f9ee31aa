{ ... }: {
  hardware.printers.ensureDefaultPrinter = "Office/Brother";
}
