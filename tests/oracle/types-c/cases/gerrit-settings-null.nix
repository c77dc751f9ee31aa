{ ... }: { services.gerrit.settings = { auth.type = null; }; }
