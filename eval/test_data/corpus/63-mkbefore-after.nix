{ lib, ... }:
{
  services.app.script = lib.mkBefore "echo start";
  services.app.list = lib.mkAfter [ "z" ];
}
