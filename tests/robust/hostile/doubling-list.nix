# A list doubled 64 times by foldl'.
{ ... }:
{
  services.hostile.list = builtins.foldl' (acc: _: acc ++ acc) [ 1 ] (builtins.genList (x: x) 64);
}
