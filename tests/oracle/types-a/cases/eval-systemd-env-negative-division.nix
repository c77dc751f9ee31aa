{ ... }: {
  systemd.services.web.environment = {
    A = toString (-7 / 2);
    B = toString (0 - 7 / 2);
    C = toString (-(7 - 10));
  };
}
