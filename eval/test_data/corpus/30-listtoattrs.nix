{ lib, ... }:
{
  environment.etc = builtins.listToAttrs (map (n: { name = "app/${n}.conf"; value = { text = "name=${n}"; }; }) [ "a" "b" ]);
}
