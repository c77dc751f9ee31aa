{ ... }:
{
  environment.etc.motd.source = ./lib/motd.txt;
}
