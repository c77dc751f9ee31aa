{ lib, ... }: {
  imports = [ ./lib/nginx-map.nix ];
  services.nginx.enable = true;
  services.nginx.appendHttpConfig = lib.mkAfter ''
    server_names_hash_bucket_size 64;
  '';
}
