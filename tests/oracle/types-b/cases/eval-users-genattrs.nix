{ lib, ... }:
{
  users.users = lib.genAttrs [ "alice" "bob" ] (name: {
    isNormalUser = true;
    description = "User ${name}";
    extraGroups = [ "wheel" "networkmanager" ];
  });
}
