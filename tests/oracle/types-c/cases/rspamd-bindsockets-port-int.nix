{ ... }: { services.rspamd.workers.controller.bindSockets = [ 11334 ]; }
