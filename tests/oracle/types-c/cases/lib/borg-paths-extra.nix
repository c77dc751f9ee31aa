{ ... }: { services.borgbackup.jobs.home.paths = [ "/etc" "/root" ]; }
