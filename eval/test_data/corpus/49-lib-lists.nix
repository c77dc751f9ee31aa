{ lib, ... }:
{
  services.app.all = lib.lists.flatten [ [ "a" ] "b" ];
  services.app.once = lib.lists.unique [ 1 1 2 ];
}
