{ ... }: { services.dovecot2.mailboxes = [ { name = "Spam"; specialUse = "Junk"; auto = "create"; } ]; }
