{ ... }: {
  security.sudo.extraRules = [
    { users = [ "alice" ]; commands = [ { cmd = "ALL"; options = [ "NOPASSWD" ]; } ]; }
  ];
}
