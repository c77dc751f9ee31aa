{ lib, ... }: { services.taskserver.organisations.home.users = lib.mkMerge [ [ "alice" ] (lib.mkForce [ "bob" ]) ]; }
