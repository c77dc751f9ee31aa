{ ... }: { services.traefik.staticConfigOptions = { providers.file.filename = /etc/traefik/dynamic.toml; }; }
