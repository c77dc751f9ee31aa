{ ... }:
{
  systemd.services.web.environment.FLOATS = builtins.toJSON [ 0.1 1.0 2.5e-3 1.0e20 ];
}
