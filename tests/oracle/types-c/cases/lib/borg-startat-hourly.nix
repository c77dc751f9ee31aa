{ ... }: { services.borgbackup.jobs.home.startAt = "hourly"; }
