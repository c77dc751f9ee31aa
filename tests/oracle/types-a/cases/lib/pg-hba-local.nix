{ lib, ... }: {
  services.postgresql.authentication = lib.mkForce ''
    local all all trust
  '';
}
