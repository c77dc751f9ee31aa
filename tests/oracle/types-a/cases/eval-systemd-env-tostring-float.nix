{ ... }: {
  systemd.services.web.environment = {
    SAMPLE_RATE = toString 0.25;
    TIMEOUT = toString 1.5e-3;
  };
}
