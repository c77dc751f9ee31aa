{ ... }:
{
  security.doas.extraRules = map (svc: {
    users = [ "deploy" ];
    noPass = true;
    cmd = "systemctl";
    args = [ "restart" svc ];
  }) [ "nginx" "app" ];
}
