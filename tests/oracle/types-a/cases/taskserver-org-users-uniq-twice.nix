{ ... }: {
  imports = [ ./lib/taskserver-bob.nix ];
  services.taskserver = { enable = true; fqdn = "tasks.example.org"; organisations.family.users = [ "alice" ]; };
}
