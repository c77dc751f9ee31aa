{ config, lib, ... }: {
  services.openssh.enable = false;
  services.openssh.ports = lib.mkIf config.services.openssh.enable [ "2222" ];
}
