{ ... }: {
  services.rspamd = {
    enable = true;
    workers.normal.bindSockets = [
      "localhost:11333"
      { socket = "/run/rspamd/rspamd.sock"; mode = "0660"; owner = "rspamd"; group = "postfix"; }
    ];
  };
}
