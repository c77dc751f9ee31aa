{ ... }: {
  services.tor = {
    enable = true;
    hiddenServices.mail = {
      map = [
        { port = 80; toPort = 8080; }
        { port = "sip"; toHost = "mail.example.com"; toPort = "imap"; }
      ];
      version = 3;
    };
  };
}
