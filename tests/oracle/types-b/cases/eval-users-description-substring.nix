{ lib, ... }:
let
  name = "erin";
in
{
  users.users.${name} = {
    isNormalUser = true;
    description = lib.toUpper (builtins.substring 0 1 name) + builtins.substring 1 (builtins.stringLength name) name;
  };
}
