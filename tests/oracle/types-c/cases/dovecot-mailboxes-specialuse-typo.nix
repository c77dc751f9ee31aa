{ ... }: { services.dovecot2.mailboxes = { Spam = { specialUse = "Spam"; auto = "create"; }; }; }
