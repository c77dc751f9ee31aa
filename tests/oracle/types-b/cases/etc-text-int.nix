{ ... }:
{
  environment.etc."app.conf".text = 42;
}
