{ ... }: {
  services.prosody = {
    enable = true;
    muc = [ { domain = "conference.example.org"; restrictRoomCreation = "true"; } ];
  };
}
