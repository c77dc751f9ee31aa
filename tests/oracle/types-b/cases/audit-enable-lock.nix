{ lib, ... }:
{
  security.audit.enable = lib.mkForce "lock";
}
