{ lib, ... }:
{
  imports = [ { services.app.memory = 512; } ];
  services.app.memory = lib.mkVMOverride 2048;
}
