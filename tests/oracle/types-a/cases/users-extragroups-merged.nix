{ lib, ... }: {
  imports = [ ./lib/alice-docker.nix ];
  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" "networkmanager" ];
  };
}
