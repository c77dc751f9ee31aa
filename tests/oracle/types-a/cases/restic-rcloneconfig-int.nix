{ ... }: {
  services.restic.backups.remote = {
    repository = "rclone:b2:my-bucket/restic";
    passwordFile = "/etc/nixos/secrets/restic-password";
    paths = [ "/home" ];
    rcloneConfig = { type = "b2"; account = "xxx"; key = "xxx"; upload_concurrency = 8; };
  };
}
