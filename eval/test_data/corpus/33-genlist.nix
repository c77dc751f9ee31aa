{ lib, ... }:
{
  services.app.workers = builtins.genList (i: "worker-${toString i}") 3;
}
