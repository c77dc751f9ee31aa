{ ... }: { i18n.extraLocaleSettings = { LC_ALL = [ "en_US.UTF-8" ]; }; }
