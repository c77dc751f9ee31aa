{ lib, ... }: { networking.hostName = lib.mkOverride 1337 ""; }
