{ ... }:
{
  security.sudo.extraRules = [
    {
      users = [ 1000.0 ];
      commands = [ "ALL" ];
    }
  ];
}
