{ lib, ... }:
let settings = { LISTEN = "0.0.0.0:8080"; GREETING = "hello world"; DEBUG = "0"; }; in {
  environment.etc."app/env".text = lib.concatStringsSep "\n"
    (lib.mapAttrsToList (k: v: "${k}=${lib.escapeShellArg v}") settings) + "\n";
}
