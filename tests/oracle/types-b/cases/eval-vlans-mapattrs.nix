{ lib, ... }:
{
  networking.vlans = lib.mapAttrs (_: id: { inherit id; interface = "enp1s0"; }) {
    iot = 20;
    pub = 30;
  };
}
