{ ... }: {
  services.hylafax.hfaxdConfig = { IdleTimeout = 900.5; };
}
