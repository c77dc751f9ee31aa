{ lib, ... }:
{
  users.users.svc = {
    isSystemUser = true;
    description = lib.mkMerge [
      (lib.mkOverride 950 "nine-fifty")
      (lib.mkForce "forced")
      (lib.mkOverride 10 "ten")
      (lib.mkOverride 900 "nine-hundred")
    ];
  };
}
