{ lib, ... }:
let
  records = [
    { ip = "10.0.0.2"; name = "nas"; }
    { ip = "10.0.0.3"; name = "printer"; }
    { ip = "10.0.0.2"; name = "backup"; }
  ];
in
{
  networking.hosts = lib.foldl' (acc: r: acc // { ${r.ip} = (acc.${r.ip} or [ ]) ++ [ r.name ]; }) { } records;
}
