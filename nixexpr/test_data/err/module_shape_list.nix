[
  { services.nginx.enable = true; }
]
