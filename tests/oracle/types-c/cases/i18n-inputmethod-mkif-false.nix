{ lib, ... }: { i18n.inputMethod.enabled = lib.mkIf false "kime"; }
