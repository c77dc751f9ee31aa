{ ... }: { services.rspamd.workers.controller.bindSockets = [ { socket = "/run/rspamd/worker-controller.sock"; mode = 666; } ]; }
