{ ... }:
{
  services.logind.lidSwitch = "ignore";
}
