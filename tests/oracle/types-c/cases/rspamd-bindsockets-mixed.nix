{ ... }: { services.rspamd.workers.controller.bindSockets = [ { socket = "/run/rspamd.sock"; mode = "0666"; owner = "rspamd"; } "*:11334" ]; }
