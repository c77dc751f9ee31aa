{ lib, ... }: { imports = [ ./lib/i18n-locale-de.nix ]; i18n.defaultLocale = "en_US.UTF-8"; }
