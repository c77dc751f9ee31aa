{ ... }: {
  services.samba = {
    enable = true;
    shares.public = {
      path = "/srv/public";
      "read only" = true;
      browseable = "yes";
      "guest ok" = "yes";
      comment = "Public samba share.";
    };
  };
}
