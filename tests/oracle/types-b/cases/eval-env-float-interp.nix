{ ... }:
{
  systemd.services.web.environment = {
    SCALE = "x${toString (1.5 * 2)}";
    LIMIT = toString (100 + 0.25);
  };
}
