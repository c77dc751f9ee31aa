{ ... }: {
  services.tor = {
    enable = true;
    hiddenServices.web = {
      map = [ { port = 80; toPort = 8080; } ];
      authorizeClient = { authType = "stealth"; clientNames = [ "alice.laptop" "carol@home" ]; };
    };
  };
}
