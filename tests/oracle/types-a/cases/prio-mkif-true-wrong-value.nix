{ config, lib, ... }: {
  services.openssh.enable = true;
  services.openssh.ports = lib.mkIf config.services.openssh.enable [ "2222" ];
}
