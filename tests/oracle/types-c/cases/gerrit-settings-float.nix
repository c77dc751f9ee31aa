{ ... }: { services.gerrit.settings = { cache.web_sessions.loadFactor = 0.75; }; }
