{ lib, ... }: {
  services.openssh.passwordAuthentication = lib.mkDefault false;
}
