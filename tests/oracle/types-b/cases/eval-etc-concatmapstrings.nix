{ lib, ... }:
{
  environment.etc."resolv.conf.head".text = lib.concatMapStrings (ns: "nameserver ${ns}\n") [ "1.1.1.1" "9.9.9.9" ];
}
