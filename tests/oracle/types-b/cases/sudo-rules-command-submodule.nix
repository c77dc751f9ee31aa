{ ... }:
{
  security.sudo.extraRules = [
    {
      groups = [ "deploy" ];
      runAs = "root";
      commands = [
        "/run/current-system/sw/bin/nixos-rebuild switch"
        { command = "/run/current-system/sw/bin/systemctl"; options = [ "NOPASSWD" "SETENV" ]; }
      ];
    }
  ];
}
