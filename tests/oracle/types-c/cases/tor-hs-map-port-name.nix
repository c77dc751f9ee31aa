{ ... }: { services.tor.hiddenServices.myhs.map = [ { port = "sip"; toHost = "mail.example.com"; toPort = "imap"; } { port = 22; } ]; }
