{ ... }:
{
  services.xinetd.services = [
    {
      name = "echo";
      protocol = "tcp";
      port = "7";
      server = "/run/current-system/sw/bin/cat";
    }
  ];
}
