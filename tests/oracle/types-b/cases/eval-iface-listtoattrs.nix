{ ... }:
{
  networking.interfaces = builtins.listToAttrs (map (i: {
    name = "eth${toString i}";
    value.ipv4.addresses = [ { address = "10.0.${toString i}.1"; prefixLength = 24; } ];
  }) [ 0 1 ]);
}
