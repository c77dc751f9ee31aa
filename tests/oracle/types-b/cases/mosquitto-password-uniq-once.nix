{ ... }:
{
  services.mosquitto.users.sensor = {
    password = "s3nsor";
    acl = [ "topic readwrite home/#" ];
  };
}
