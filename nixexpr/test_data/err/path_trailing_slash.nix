{ ... }:
{
  imports = [ ./modules/ ];
}
