{ lib, ... }: {
  users.users.alice = lib.mkMerge [
    { isNormalUser = true; description = "Alice"; }
    (lib.mkIf true { extraGroups = [ "video" "audio" ]; })
    (lib.mkIf false { extraGroups = [ "libvirtd" ]; })
  ];
}
