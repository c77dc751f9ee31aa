{ lib, ... }: { i18n.extraLocaleSettings = lib.mkMerge [ { LC_TIME = "en_DK.UTF-8"; } { LC_TIME = lib.mkForce "de_DE.UTF-8"; } ]; }
