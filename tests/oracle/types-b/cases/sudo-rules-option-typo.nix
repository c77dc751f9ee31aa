{ ... }:
{
  security.sudo.extraRules = [
    {
      users = [ "deploy" ];
      commands = [
        { command = "/run/current-system/sw/bin/systemctl"; options = [ "NOPASSWORD" ]; }
      ];
    }
  ];
}
