{ ... }:
{
  security.pam.loginLimits = [
    { domain = "@users"; item = "nofile"; type = "soft"; value = "65536"; }
    { domain = "@users"; item = "nofile"; type = "hard"; value = "1048576"; }
  ];
}
