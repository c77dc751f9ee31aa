{ lib, ... }: { i18n.inputMethod.enabled = lib.mkIf true "IBus"; }
