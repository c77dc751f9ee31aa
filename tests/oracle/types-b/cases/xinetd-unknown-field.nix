{ ... }:
{
  services.xinetd.services = [
    {
      name = "daytime";
      protocol = "tcp";
      port = 13;
      server = "internal";
      socketType = "stream";
    }
  ];
}
