{ ... }: { services.borgbackup.repos.laptop = { authorizedKeys = [ ]; quota = "1.5T"; }; }
