{ ... }:
{
  boot.kernel.sysctl."vm.max_map_count" = 9223372036854775808;
}
