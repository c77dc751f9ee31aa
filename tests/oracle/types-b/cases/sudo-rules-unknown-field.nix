{ ... }:
{
  security.sudo.extraRules = [
    {
      users = [ "deploy" ];
      command = "/run/current-system/sw/bin/systemctl";
    }
  ];
}
