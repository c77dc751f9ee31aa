{ ... }: { services.tor.hiddenServices.myhs.map = [ { port = 80.0; } ]; }
