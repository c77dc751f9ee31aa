{ ... }:
{
  # café ≠ coffee
  environment.etc."motd".text = "héllo"; x = ;
}
