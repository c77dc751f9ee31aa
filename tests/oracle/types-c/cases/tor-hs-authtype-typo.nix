{ ... }: { services.tor.hiddenServices.myhs = { map = [ { port = 22; } ]; authorizeClient = { authType = "Basic"; clientNames = [ "alice" ]; }; }; }
