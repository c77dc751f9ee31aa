# nix-compare
{ lib, port ? 443, ... }: { services.x.port = port; }
