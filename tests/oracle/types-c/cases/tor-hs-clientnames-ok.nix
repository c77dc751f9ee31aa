{ ... }: { services.tor.hiddenServices.myhs = { map = [ { port = 22; } ]; authorizeClient = { authType = "stealth"; clientNames = [ "alice-laptop" "bob" ]; }; }; }
