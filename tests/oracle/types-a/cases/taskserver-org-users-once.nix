{ ... }: {
  services.taskserver = { enable = true; fqdn = "tasks.example.org"; organisations.family = { users = [ "alice" "bob" ]; groups = [ "staff" ]; }; };
}
