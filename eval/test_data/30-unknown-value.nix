{ pkgs, ... }: { environment.systemPackages = [ pkgs.htop ]; services.x.package = pkgs.hello; }
