{ config, ... }:
{
  users.users.root.extraGroups = [ "wheel" config.users.groups.keys.name ];
}
