{ ... }: {
  services.rspamd = { enable = true; workers.normal.bindSockets = [ 11333 ]; };
}
