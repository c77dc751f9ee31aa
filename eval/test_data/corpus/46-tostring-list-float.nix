{ lib, ... }:
{
  services.app.args = toString [ "--port" 80 "--ratio" ];
  services.app.ratio = toString 0.75;
  services.app.enabled = toString true;
}
