{ ... }:
{
  services.foo.ratio = 1.0e400;
}
