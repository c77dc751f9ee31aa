{ pkgs, ... }: {
  imports = [ ./lib/webapp-execstart.nix ];
  systemd.services.webapp.serviceConfig.ExecStart = "${pkgs.hello}/bin/hello --greeting=hi";
}
