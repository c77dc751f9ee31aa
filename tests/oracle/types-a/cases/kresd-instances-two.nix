{ ... }: {
  services.kresd = { enable = true; instances = 2; listenPlain = [ "127.0.0.1:53" "[::1]:53" ]; };
}
