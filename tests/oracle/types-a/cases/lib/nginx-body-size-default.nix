{ lib, ... }: {
  services.nginx.clientMaxBodySize = lib.mkDefault "1g";
}
