{ lib, ... }: { i18n.defaultLocale = lib.mkMerge [ "en_GB.UTF-8" "en_GB.UTF-8" ]; }
