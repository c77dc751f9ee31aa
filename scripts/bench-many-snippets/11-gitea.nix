# Gitea on SQLite.
{ ... }:
{
  services.gitea = {
    enable = true;
    appName = "code";
    domain = "code.example.org";
    rootUrl = "https://code.example.org/";
    httpPort = 3001;
    database.type = "sqlite3";
    disableRegistration = true;
  };
  networking.firewall.allowedTCPPorts = [ 3001 ];
}
