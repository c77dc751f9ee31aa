{ config, lib, ... }: {
  services.openssh.enable = lib.mkDefault true;
  services.openssh.ports = lib.mkIf config.services.openssh.enable [ 70000 ];
}
