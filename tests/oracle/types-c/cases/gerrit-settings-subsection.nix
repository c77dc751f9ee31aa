{ ... }: { services.gerrit.settings = { plugin.replication = { enabled = true; timeout = 60; }; }; }
