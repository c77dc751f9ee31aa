{ ... }: { i18n.extraLocaleSettings = { LC_MESSAGES = "en_US.UTF-8"; LC_TIME = "de_DE.UTF-8"; }; }
