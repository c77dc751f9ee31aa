{ ... }: { services.rspamd.workers.controller.bindSockets = "localhost:11334"; }
