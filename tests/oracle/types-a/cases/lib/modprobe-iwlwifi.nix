{ ... }: {
  boot.extraModprobeConfig = ''
    options iwlwifi power_save=1 uapsd_disable=1
  '';
}
