{ lib, ... }: { services.dovecot2.mailboxes = lib.mkMerge [ [ { name = "Spam"; auto = "create"; } ] { Trash = { specialUse = "Trash"; }; } ]; }
