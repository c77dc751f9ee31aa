{ ... }: {
  services.traefik = {
    enable = true;
    dynamicConfigOptions.tls.certificates = [ { certFile = ./lib/cert.pem; keyFile = ./lib/key.pem; } ];
  };
}
