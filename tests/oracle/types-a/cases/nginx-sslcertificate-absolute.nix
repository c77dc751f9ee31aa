{ ... }:
let host = "git.example.org"; in {
  services.nginx.enable = true;
  services.nginx.virtualHosts.${host} = {
    onlySSL = true;
    sslCertificate = "/var/lib/acme/${host}/fullchain.pem";
    sslCertificateKey = "/var/lib/acme/${host}/key.pem";
  };
}
