{ ... }:
{
  security.sudo.extraRules = [
    {
      users = [ "backup" 1001 ];
      groups = [ 1006 "wheel" ];
      commands = [ "/run/current-system/sw/bin/systemctl restart nginx" ];
    }
  ];
}
