{ ... }: {
  services.tor = {
    enable = true;
    hiddenServices.mail.map = [ { port = 80.0; toPort = 8080; } ];
  };
}
