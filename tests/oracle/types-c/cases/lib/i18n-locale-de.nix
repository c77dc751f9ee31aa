{ ... }: { i18n.defaultLocale = "de_DE.UTF-8"; }
