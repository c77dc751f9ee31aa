{ lib, ... }: { imports = [ ./lib/i18n-locale-de.nix ]; i18n.defaultLocale = lib.mkDefault "en_US.UTF-8"; }
