{ ... }: {
  hardware.printers.ensurePrinters = [{
    name = "BrotherHL_Workroom";
    location = "Workroom";
    deviceUri = "ipp://192.168.1.30/ipp";
    model = "drv:///sample.drv/generic.ppd";
    ppdOptions = { PageSize = "A4"; Duplex = "DuplexNoTumble"; };
  }];
  hardware.printers.ensureDefaultPrinter = "BrotherHL_Workroom";
}
