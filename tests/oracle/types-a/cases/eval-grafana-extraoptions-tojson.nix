{ lib, ... }:
let domain = "example.org"; in {
  services.grafana = {
    enable = true;
    extraOptions = {
      AUTH_GENERIC_OAUTH_SCOPES = lib.concatStringsSep " " [ "openid" "email" "profile" ];
      SERVER_ROOT_URL = "https://grafana.${domain}/";
    };
  };
}
