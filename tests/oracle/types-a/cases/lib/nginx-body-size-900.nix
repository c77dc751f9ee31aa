{ lib, ... }: {
  services.nginx.clientMaxBodySize = lib.mkOverride 900 "1g";
}
