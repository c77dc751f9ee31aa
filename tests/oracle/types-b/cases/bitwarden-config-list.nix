{ ... }:
{
  services.bitwarden_rs.config = {
    domain = "https://bw.example.com";
    signupsDomainsWhitelist = [ "example.com" "example.org" ];
  };
}
