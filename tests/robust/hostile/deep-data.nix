# A list nested 100,000 deep, compared with itself and written as JSON.
{ ... }:
let
  nest = builtins.foldl' (acc: _: [ acc ]) [ ] (builtins.genList (x: x) 100000);
in
{
  services.hostile.same = nest == nest;
  services.hostile.json = builtins.toJSON nest;
  services.hostile.text = toString nest;
}
