{ config, ... }: {
  services.openssh.enable = true;
  services.openssh.permitRootLogin = if config.services.openssh.enable then "maybe" else "no";
}
