{ lib, ... }: {
  services.postgresql.port = lib.mkForce "5433";
}
