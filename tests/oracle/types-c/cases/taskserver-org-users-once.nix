{ ... }: { services.taskserver.organisations.home.users = [ "alice" "bob" ]; }
