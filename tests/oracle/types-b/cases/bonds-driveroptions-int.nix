{ ... }:
{
  networking.bonds.bond0 = {
    interfaces = [ "enp1s0" "enp2s0" ];
    driverOptions = {
      mode = "802.3ad";
      miimon = 100;
    };
  };
}
