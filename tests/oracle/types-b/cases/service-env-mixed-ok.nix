{ pkgs, ... }:
{
  systemd.services.web.environment = {
    NODE_ENV = "production";
    PORT = toString 8080;
    GIT = pkgs.git;
    MOTD = ./lib/motd.txt;
    HTTP_PROXY = null;
  };
}
