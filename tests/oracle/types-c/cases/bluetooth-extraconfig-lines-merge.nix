{ lib, ... }: { hardware.bluetooth.extraConfig = lib.mkMerge [ "[General]" "Enable=Source,Sink,Media,Socket" ]; }
