{ ... }: { services.tor.hiddenServices.myhs = { map = [ { port = 80; toPort = 8080; } ]; version = 3; }; }
