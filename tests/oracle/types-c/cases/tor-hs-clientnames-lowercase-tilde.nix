{ ... }: { services.tor.hiddenServices.myhs = { map = [ { port = 22; } ]; authorizeClient = { authType = "basic"; clientNames = [ "bob~2" ]; }; }; }
