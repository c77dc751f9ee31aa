{ ... }: {
  services.tor = {
    enable = true;
    hiddenServices.web = { map = [ { port = 80; toPort = 8080; } ]; version = "3"; };
  };
}
