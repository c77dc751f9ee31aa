{ ... }: {
  services.smartdns.settings.server = [ "1.1.1.1" "8.8.8.8" ];
}
