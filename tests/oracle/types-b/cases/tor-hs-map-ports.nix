{ ... }:
{
  services.tor.hiddenServices.web = {
    version = 3;
    map = [
      { port = 80; toPort = 8080; }
      { port = "443"; toHost = "127.0.0.1"; toPort = "8443"; }
    ];
  };
}
