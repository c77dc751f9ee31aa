{ ... }: {
  services.postgrey = { enable = true; retryWindow = "12h"; delay = 60; };
}
