{ ... }: {
  services.taskserver.organisations.family.users = [ "bob" ];
}
