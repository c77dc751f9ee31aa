{ lib, ... }: {
  users.users = lib.mkIf true {
    alice.extraGroups = lib.mkBefore [ "wheel" ];
  };
  imports = [ ./lib/alice-media.nix ];
}
