{ lib, ... }:
let raw = "db.lan cache.lan   queue.lan"; in {
  environment.etc."app/hosts.txt" = {
    text = lib.concatStringsSep "," (builtins.filter (s: s != "") (lib.splitString " " (builtins.replaceStrings [ ".lan" ] [ ".internal" ] raw)));
    mode = "0440";
  };
}
