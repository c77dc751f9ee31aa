{ ... }: { services.dovecot2.mailboxes = { Drafts = { specialUse = "Drafts"; auto = true; }; }; }
