{ ... }: { services.borgbackup.repos.laptop = { authorizedKeys = [ ]; quota = 100; }; }
