{ ... }: {
  security.dhparams.defaultBitSize = 3072;
}
