{ lib, ... }:
{
  imports = [ { services.app.limits = { nofile = 1024; nproc = 64; }; } ];
  services.app.limits = lib.mkForce { nofile = 65536; };
}
