{ ... }:
{
  services.bitwarden_rs.config = {
    domain = "https://bw.example.com";
    signupsAllowed = false;
    rocketPort = 8222;
    websocketEnabled = true;
    smtpHost = null;
  };
}
