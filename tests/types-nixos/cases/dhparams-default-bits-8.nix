{ ... }: {
  security.dhparams.defaultBitSize = 8;
}
