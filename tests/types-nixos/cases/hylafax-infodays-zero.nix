{ ... }: {
  services.hylafax.faxcron.infoDays = 0;
}
