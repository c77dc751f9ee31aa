{ ... }:
{
  services.tor.hiddenServices.ssh = {
    map = [ { port = 22; } ];
    authorizeClient = {
      authType = "stealth";
      clientNames = [ ];
    };
  };
}
