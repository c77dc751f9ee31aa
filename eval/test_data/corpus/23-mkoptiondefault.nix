{ lib, ... }:
{
  services.app.workers = lib.mkOptionDefault 2;
  services.app.threads = lib.mkDefault 4;
}
