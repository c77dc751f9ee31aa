{ ... }:
{
  services.postgresql.enable = true;
  services.postgresql = {
    port = 5432;
    enable = false;
  };
}
