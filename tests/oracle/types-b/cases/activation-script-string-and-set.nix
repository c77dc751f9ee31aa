{ ... }:
{
  system.activationScripts = {
    mkdata = "mkdir -p /srv/data";
    seed = {
      text = "install -d -m 0700 /var/lib/seed";
      deps = [ "users" ];
    };
  };
}
