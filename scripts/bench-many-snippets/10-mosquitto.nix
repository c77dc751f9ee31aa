# An MQTT broker for sensors.
{ ... }:
{
  services.mosquitto = {
    enable = true;
    host = "::";
    allowAnonymous = true;
    users = { };
    aclExtraConf = ''
      topic readwrite sensors/#
    '';
  };
  networking.firewall.allowedTCPPorts = [ 1883 ];
}
