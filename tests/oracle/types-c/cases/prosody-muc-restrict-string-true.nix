{ ... }: { services.prosody.muc = [ { domain = "conference.example.org"; restrictRoomCreation = "true"; } ]; }
