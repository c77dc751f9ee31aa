{ lib, ... }: { services.documize.forcesslport = lib.mkMerge [ (lib.mkDefault null) 443 ]; }
