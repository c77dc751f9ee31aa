{ ... }: {
  services.borgbackup.repos.laptop = {
    path = "/var/lib/borgbackup/laptop";
    authorizedKeys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB1 laptop" ];
    quota = "1.5T";
  };
}
