{ config, lib, pkgs }:
{
  domainOf = host: "${host}.example.org";
  httpsPort = 443;
}
