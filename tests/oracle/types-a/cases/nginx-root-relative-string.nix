{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."carassius.example" = {
    addSSL = true;
    enableACME = true;
    root = "~/www";
  };
}
