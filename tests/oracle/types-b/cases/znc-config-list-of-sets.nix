{ ... }:
{
  services.znc.useLegacyConfig = false;
  services.znc.config = {
    LoadModule = [ { name = "webadmin"; } ];
  };
}
