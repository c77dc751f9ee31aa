{ ... }: {
  programs.tsmClient.servers.main = { server = "tsm.example.org"; node = "NODE"; port = 40000; };
}
