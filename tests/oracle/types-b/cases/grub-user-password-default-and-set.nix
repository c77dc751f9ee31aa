{ lib, ... }:
{
  boot.loader.grub.users.root.hashedPassword = lib.mkMerge [
    (lib.mkDefault null)
    "grub.pbkdf2.sha512.10000.5EB2A4C3CE3B9C4AFBEB8E0A4F4B1F7E"
  ];
}
