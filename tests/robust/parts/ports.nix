{
  dns = 53;
  ntp = 123;
}
