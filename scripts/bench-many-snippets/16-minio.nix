# An S3-compatible object store.
{ ... }:
{
  services.minio = {
    enable = true;
    listenAddress = ":9000";
    dataDir = "/var/lib/minio/data";
    browser = false;
  };
  networking.firewall.allowedTCPPorts = [ 9000 ];
}
