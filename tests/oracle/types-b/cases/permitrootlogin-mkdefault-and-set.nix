{ lib, ... }:
{
  services.openssh.permitRootLogin = lib.mkMerge [ (lib.mkDefault "yes") "prohibit-password" ];
}
