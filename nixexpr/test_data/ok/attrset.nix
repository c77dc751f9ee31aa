{ services.postgresql.enable = true; }
