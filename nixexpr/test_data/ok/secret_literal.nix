# Warnings only (exit 0): secrets written into the snippet would land in the
# world-readable store; paths, files and hashes are fine.
{ ... }:
{
  services.grafana.settings.security.admin_password = "hunter2";
  services.example.apiKey = "AKIA-not-a-real-key";
  services.example.passwordFile = "/run/credentials/example.service/password";
  services.example.keyFile = "/run/keys/example.key";
  users.users.app.hashedPassword = "$y$j9T$abc$def";
  services.example.tokenPath = "/run/keys/token";
}
