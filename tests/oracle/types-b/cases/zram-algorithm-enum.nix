{ ... }:
{
  zramSwap = {
    enable = true;
    algorithm = "zstd";
  };
}
