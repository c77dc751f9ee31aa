{ lib, ... }: { i18n.supportedLocales = lib.mkMerge [ [ "en_US.UTF-8/UTF-8" ] [ "de_DE.UTF-8/UTF-8" "fr_FR.UTF-8/UTF-8" ] ]; }
