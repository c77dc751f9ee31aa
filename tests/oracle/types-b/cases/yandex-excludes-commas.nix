{ ... }:
{
  services.yandex-disk.excludes = "data,backup";
}
