{ ... }: {
  services.hylafax.areaCode = "";
}
