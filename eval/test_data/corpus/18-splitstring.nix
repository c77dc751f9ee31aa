{ lib, ... }:
let dns = "1.1.1.1,9.9.9.9"; in {
  networking.nameservers = lib.splitString "," dns;
}
