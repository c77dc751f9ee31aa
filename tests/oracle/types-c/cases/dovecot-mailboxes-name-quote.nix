{ ... }: { services.dovecot2.mailboxes = [ { name = "My \"Spam\""; auto = "create"; } ]; }
