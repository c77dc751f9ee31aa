{ pkgs, ... }: {
  services.traefik = {
    enable = true;
    dynamicConfigOptions.http.middlewares.auth.basicAuth.usersFile =
      pkgs.writeText "traefik-users" "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/";
  };
}
