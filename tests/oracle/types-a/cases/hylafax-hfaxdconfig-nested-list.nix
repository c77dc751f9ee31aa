{ ... }: {
  services.hylafax.hfaxdConfig = { ServerTracing = [ [ 1 2 ] ]; };
}
