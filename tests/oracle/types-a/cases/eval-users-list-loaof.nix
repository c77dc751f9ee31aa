{ ... }: {
  users.users = [
    { name = "carol"; isNormalUser = true; description = "Carol"; extraGroups = [ "users" ]; }
  ];
}
