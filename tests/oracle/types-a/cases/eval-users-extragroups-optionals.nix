{ config, lib, ... }: {
  virtualisation.docker.enable = true;
  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" ]
      ++ lib.optionals config.virtualisation.docker.enable [ "docker" ]
      ++ lib.optional config.networking.networkmanager.enable "networkmanager";
  };
}
