{ lib, ... }:
{
  security.audit.enable = lib.mkForce "true";
}
