{ ... }:
{
  system.stateVersion = 20.09;
}
