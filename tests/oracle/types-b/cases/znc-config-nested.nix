{ ... }:
{
  services.znc.useLegacyConfig = false;
  services.znc.config = {
    LoadModule = [ "webadmin" "adminlog" ];
    User.paul = {
      Admin = true;
      Nick = "paul";
      AltNick = "paul1";
      LoadModule = [ "chansaver" "controlpanel" ];
      Network.libera = {
        Server = "irc.libera.chat +6697";
        LoadModule = [ "simple_away" ];
        Chan."#nixos" = { Detached = false; };
      };
    };
  };
}
