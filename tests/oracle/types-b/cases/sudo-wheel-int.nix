{ ... }:
{
  security.sudo.wheelNeedsPassword = 0;
}
