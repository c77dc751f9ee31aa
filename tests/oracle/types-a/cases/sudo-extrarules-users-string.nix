{ ... }: {
  security.sudo.extraRules = [
    { users = "alice"; commands = [ "ALL" ]; }
  ];
}
