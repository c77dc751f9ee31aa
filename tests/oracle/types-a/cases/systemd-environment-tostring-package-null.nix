{ pkgs, ... }: {
  systemd.services.webapp.environment = {
    PORT = toString 8080;
    LANG = "nl_NL.UTF-8";
    GIT = pkgs.git;
    STATIC_ROOT = ./lib/www;
    HTTP_PROXY = null;
  };
}
