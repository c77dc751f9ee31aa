{ ... }: {
  services.restic.backups.b2 = {
    repository = "b2:my-bucket:/restic";
    passwordFile = "/etc/nixos/secrets/restic-password";
    s3CredentialsFile = "/etc/nixos/secrets/b2-credentials";
    paths = "/home";
  };
}
