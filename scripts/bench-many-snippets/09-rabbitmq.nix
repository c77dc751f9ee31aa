# RabbitMQ with the management plugin.
{ ... }:
{
  services.rabbitmq = {
    enable = true;
    listenAddress = "::";
    plugins = [ "rabbitmq_management" ];
  };
  networking.firewall.allowedTCPPorts = [ 5672 15672 ];
}
