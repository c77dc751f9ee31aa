{ lib, ... }: {
  users.users.alice.extraGroups = lib.mkIf true [ "docker" ];
}
