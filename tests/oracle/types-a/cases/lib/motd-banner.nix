{ ... }: {
  environment.etc."motd".text = "Welcome to web-01.";
}
