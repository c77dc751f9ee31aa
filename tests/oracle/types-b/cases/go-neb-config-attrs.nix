{ ... }:
{
  services.go-neb.config = {
    clients = [
      { UserID = "@goneb:localhost"; HomeserverURL = "http://localhost:8008"; Sync = true; AutoJoinRooms = true; }
    ];
    services = [ ];
  };
}
