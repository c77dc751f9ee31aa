{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."git.example.org" = {
    onlySSL = true;
    sslCertificate = "certs/git.example.org/fullchain.pem";
    sslCertificateKey = "certs/git.example.org/key.pem";
  };
}
