{ lib, ... }: { services.xserver.videoDrivers = lib.mkMerge [ (lib.mkDefault [ "amdgpu" "nvidia" ]) [ "modesetting" ] ]; }
