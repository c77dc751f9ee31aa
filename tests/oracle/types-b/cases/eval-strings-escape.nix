{ ... }:
{
  environment.etc.motd.text = ''
    Host: ''${HOSTNAME}
    Uptime: $(uptime)
  '' + "tab:\there\n";
}
