{ ... }:
{
  i18n.defaultLocale = [ "en_US.UTF-8" ];
}
