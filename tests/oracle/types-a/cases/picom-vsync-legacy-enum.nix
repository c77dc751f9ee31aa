{ ... }: {
  services.picom = { enable = true; backend = "glx"; vSync = "opengl-swc"; };
}
