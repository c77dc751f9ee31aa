{ ... }: {
  security.sudo.extraRules = [
    { users = [ "alice" ]; commands = [ { command = "/run/current-system/sw/bin/systemctl restart nginx"; options = [ "nopasswd" ]; } ]; }
  ];
}
