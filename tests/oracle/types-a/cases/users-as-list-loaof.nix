{ ... }: {
  users.users = [
    { name = "alice"; isNormalUser = true; extraGroups = [ "wheel" ]; }
  ];
}
