{ ... }: {
  imports = [ ./lib/motd-banner.nix ];
  environment.etc."motd".text = "Managed by NixOS.";
}
