{ pkgs, ... }:
{
  services.xinetd = {
    enable = true;
    services = [
      {
        name = "tftp";
        protocol = "udp";
        port = 69;
        server = "${pkgs.netkittftp}/sbin/in.tftpd";
        serverArgs = "-s /srv/tftp";
        unlisted = false;
      }
    ];
  };
}
