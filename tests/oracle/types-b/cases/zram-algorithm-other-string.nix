{ ... }:
{
  zramSwap.algorithm = "lzo-rle";
}
