{ lib, ... }:
{
  boot.kernel.sysctl = {
    "vm.swappiness" = lib.mkDefault 60;
    "fs.inotify.max_user_watches" = lib.mkDefault 524288;
  };
}
