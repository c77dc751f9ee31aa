{ pkgs, ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."static.example.org".root = pkgs.writeTextDir "index.html" "<h1>hello</h1>";
}
