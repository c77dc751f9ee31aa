{ ... }:
{
  services.logind.lidSwitch = "Ignore";
}
