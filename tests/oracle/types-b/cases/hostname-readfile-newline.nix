{ ... }:
{
  networking.hostName = builtins.readFile ./lib/hostname.txt;
}
